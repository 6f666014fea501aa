import { join, normalize } from 'node:path'

const fixturesDirectory = join(import.meta.dir, '..', 'fixtures')
const encoder = new TextEncoder()

/** Reads a fixture as text; the path is relative to test/fixtures, e.g. `upstream/anthropic/text.stream.sse`. */
export async function readFixture(relativePath: string): Promise<string> {
  const path = normalize(join(fixturesDirectory, relativePath))
  // A typo like '../' would otherwise read some unrelated file and fail far from the cause.
  if (!path.startsWith(fixturesDirectory)) throw new Error(`fixture path escapes test/fixtures: ${relativePath}`)
  const file = Bun.file(path)
  if (!(await file.exists())) throw new Error(`no fixture at test/fixtures/${relativePath}`)
  return file.text()
}

/**
 * Splits the UTF-8 bytes of `text` into pieces of `sizeBytes` (the last may be shorter). The cut ignores character
 * boundaries on purpose: a decoder must survive a multibyte character split across network chunks.
 */
export function rechunk(text: string, sizeBytes: number): Uint8Array[] {
  if (!Number.isInteger(sizeBytes) || sizeBytes < 1)
    throw new Error(`sizeBytes must be a positive integer, got ${sizeBytes}`)
  const bytes = encoder.encode(text)
  const chunks: Uint8Array[] = []
  for (let offset = 0; offset < bytes.length; offset += sizeBytes) chunks.push(bytes.slice(offset, offset + sizeBytes))
  return chunks
}

/**
 * Splits the UTF-8 bytes of `text` at pseudo-random points (pieces of 1 to `sizeBytesMax` bytes). The same seed always
 * gives the same cuts, so a failure can be replayed from the seed printed by the test.
 */
export function rechunkRandom(text: string, seed: number, sizeBytesMax = 64): Uint8Array[] {
  if (!Number.isInteger(sizeBytesMax) || sizeBytesMax < 1) {
    throw new Error(`sizeBytesMax must be a positive integer, got ${sizeBytesMax}`)
  }
  const random = seededRandom(seed)
  const bytes = encoder.encode(text)
  const chunks: Uint8Array[] = []
  let offset = 0
  while (offset < bytes.length) {
    const sizeBytes = 1 + Math.floor(random() * sizeBytesMax)
    chunks.push(bytes.slice(offset, offset + sizeBytes))
    offset += sizeBytes
  }
  return chunks
}

/** mulberry32: a small seeded PRNG, so a failing cut point or sequence can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let mixed = Math.imul(state ^ (state >>> 15), state | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296
  }
}
