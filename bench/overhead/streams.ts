/**
 * Stream measurements from the client side:
 * - `firstTokenTimes`: sequential streamed requests, each timed from send to the arrival of the first token's text;
 * - `holdStreams` (also runnable as a script): opens many streams at once, reports when all have their first token,
 *   then reads each to the end, so the caller can sample the gateway's memory while every stream is open.
 *
 *   npx bun bench/overhead/streams.ts URL COUNT HEADERS_JSON BODY_JSON
 *
 * The script prints `all-open` once every stream has delivered its first token, then one JSON summary line.
 */
import type { LoadRequest } from './load.ts'

/** The mock's first token, as every dialect carries it in JSON: `"The"`. */
const firstTokenMarker = '"The"'

type BodyReader = ReadableStreamDefaultReader<Uint8Array>

async function readUntilFirstToken(response: Response): Promise<{ reader: BodyReader; found: boolean }> {
  const reader = response.body!.getReader() as BodyReader
  const decoder = new TextDecoder()
  let seen = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return { reader, found: false }
    seen += decoder.decode(value, { stream: true })
    if (seen.includes(firstTokenMarker)) return { reader, found: true }
    // Only the tail can hold a marker split across chunks.
    if (seen.length > 4096) seen = seen.slice(-64)
  }
}

async function readToEnd(reader: BodyReader): Promise<void> {
  for (;;) if ((await reader.read()).done) return
}

/** Milliseconds from send to first token for `count` sequential streams, after `warmup` untimed ones. */
export async function firstTokenTimes(request: LoadRequest, count: number, warmup = 20): Promise<number[]> {
  const times: number[] = []
  for (let index = 0; index < warmup + count; index++) {
    const startedMs = performance.now()
    const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body })
    if (!response.ok) throw new Error(`${request.url} answered ${response.status}: ${await response.text()}`)
    const { reader, found } = await readUntilFirstToken(response)
    const elapsedMs = performance.now() - startedMs
    if (!found) throw new Error(`${request.url} streamed no first token`)
    await readToEnd(reader)
    if (index >= warmup) times.push(elapsedMs)
  }
  return times
}

export type HeldStreams = { opened: number; failed: number; completed: number; allOpenMs: number; totalMs: number }

async function holdStreams(request: LoadRequest, count: number, onAllOpen: () => void): Promise<HeldStreams> {
  const startedMs = performance.now()
  let opened = 0
  let failed = 0
  let completed = 0
  let allOpenMs = Number.NaN
  const settleOne = () => {
    if (opened + failed === count) {
      allOpenMs = performance.now() - startedMs
      onAllOpen()
    }
  }
  await Promise.all(
    Array.from({ length: count }, async () => {
      try {
        const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body })
        if (!response.ok) throw new Error(`status ${response.status}`)
        const { reader, found } = await readUntilFirstToken(response)
        if (!found) throw new Error('no first token')
        opened += 1
        settleOne()
        await readToEnd(reader)
        completed += 1
      } catch {
        failed += 1
        settleOne()
      }
    }),
  )
  return { opened, failed, completed, allOpenMs, totalMs: performance.now() - startedMs }
}

if (import.meta.main) {
  const [url, countText, headersJson, body] = process.argv.slice(2)
  const request: LoadRequest = { url: url!, headers: JSON.parse(headersJson!) as Record<string, string>, body: body! }
  const result = await holdStreams(request, Number(countText), () => console.log('all-open'))
  console.log(JSON.stringify(result))
}
