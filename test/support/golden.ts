import { mkdir } from 'node:fs/promises'
import { dirname, join, normalize, sep } from 'node:path'

/*
 * Golden files: expected client bytes, committed under test/fixtures/golden/<upstream>-to-<client>/, so a change in
 * translation shows up as a diff that reads like traffic. `UPDATE_GOLDEN=1 bun test` rewrites them; review that diff
 * as closely as code.
 */

const goldenDirectory = join(import.meta.dir, '..', 'fixtures', 'golden')

export type GoldenOptions = {
  /** Where golden files live; test/fixtures/golden unless a test of this helper points elsewhere. */
  directory?: string
  /** Write `actual` instead of comparing; `UPDATE_GOLDEN=1` in the environment unless given. */
  update?: boolean
}

/**
 * Compares `actual` with the golden file at `relativePath` (under test/fixtures/golden), failing with the first line
 * that differs; with UPDATE_GOLDEN=1 it writes `actual` there instead, and passes. A missing file fails, naming the
 * command that creates it.
 */
export async function golden(relativePath: string, actual: string, options: GoldenOptions = {}): Promise<void> {
  const directory = options.directory ?? goldenDirectory
  const update = options.update ?? process.env.UPDATE_GOLDEN === '1'
  const path = normalize(join(directory, relativePath))
  // A typo like '../' would otherwise write or read some unrelated file.
  if (!path.startsWith(directory + sep)) throw new Error(`golden path escapes ${directory}: ${relativePath}`)
  const file = Bun.file(path)
  const exists = await file.exists()
  if (update) {
    // Unchanged files are left alone, so their mtime does not make an update look bigger than it is.
    if (exists && (await file.text()) === actual) return
    await mkdir(dirname(path), { recursive: true })
    await Bun.write(path, actual)
    return
  }
  if (!exists) throw new Error(`no golden file at ${path}: run UPDATE_GOLDEN=1 bun test to create it, then review it`)
  const expected = await file.text()
  if (expected !== actual) throw new Error(describeDifference(relativePath, expected, actual))
}

/** Names the first line that differs, with both versions, and how to accept the new output. */
function describeDifference(relativePath: string, expected: string, actual: string): string {
  const expectedLines = expected.split('\n')
  const actualLines = actual.split('\n')
  let line = 0
  while (line < expectedLines.length && expectedLines[line] === actualLines[line]) line++
  return [
    `output differs from golden ${relativePath} at line ${line + 1} (golden has ${expectedLines.length} lines, output ${actualLines.length}):`,
    `  golden: ${show(expectedLines[line])}`,
    `  output: ${show(actualLines[line])}`,
    'If the change is intended, run UPDATE_GOLDEN=1 bun test and review the diff.',
  ].join('\n')
}

function show(line: string | undefined): string {
  return line === undefined ? '(end of file)' : JSON.stringify(line)
}
