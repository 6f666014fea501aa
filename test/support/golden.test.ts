import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { golden } from './golden.ts'

const directory = await mkdtemp(join(tmpdir(), 'anvat-golden-'))
afterAll(() => rm(directory, { recursive: true, force: true }))

const compare = (relativePath: string, actual: string) => golden(relativePath, actual, { directory, update: false })
const update = (relativePath: string, actual: string) => golden(relativePath, actual, { directory, update: true })

describe('golden', () => {
  test('a missing file fails, naming the file and the command that creates it, and writes nothing', async () => {
    const error = await compare('pair/missing.stream.sse', 'data: x\n\n').catch((thrown: unknown) => thrown)
    expect(String(error)).toContain(join(directory, 'pair/missing.stream.sse'))
    expect(String(error)).toContain('UPDATE_GOLDEN=1')
    expect(await Bun.file(join(directory, 'pair/missing.stream.sse')).exists()).toBe(false)
  })

  test('update writes the file (creating its folder) and passes; then the same text passes', async () => {
    await update('pair/written.json', '{\n  "a": 1\n}\n')
    expect(await Bun.file(join(directory, 'pair/written.json')).text()).toBe('{\n  "a": 1\n}\n')
    await compare('pair/written.json', '{\n  "a": 1\n}\n')
  })

  test('different text fails with the first differing line, both versions of it, and how to accept it', async () => {
    await update('pair/lines.sse', 'data: 1\n\ndata: 2\n\n')
    const error = await compare('pair/lines.sse', 'data: 1\n\ndata: 3\n\n').catch((thrown: unknown) => thrown)
    expect(String(error)).toContain('pair/lines.sse at line 3')
    expect(String(error)).toContain('golden: "data: 2"')
    expect(String(error)).toContain('output: "data: 3"')
    expect(String(error)).toContain('UPDATE_GOLDEN=1')
  })

  test('a missing trailing event fails too, shown as the end of the golden file', async () => {
    await update('pair/short.sse', 'data: 1\n')
    const error = await compare('pair/short.sse', 'data: 1\ndata: 2\n').catch((thrown: unknown) => thrown)
    expect(String(error)).toContain('line 2')
    expect(String(error)).toContain('golden: ""')
    const shorter = await compare('pair/short.sse', 'data: 1').catch((thrown: unknown) => thrown)
    expect(String(shorter)).toContain('output: (end of file)')
  })

  test('update leaves an unchanged file untouched and rewrites a changed one', async () => {
    await update('pair/stable.json', 'same\n')
    const before = (await stat(join(directory, 'pair/stable.json'))).mtimeMs
    await Bun.sleep(20)
    await update('pair/stable.json', 'same\n')
    expect((await stat(join(directory, 'pair/stable.json'))).mtimeMs).toBe(before)
    await update('pair/stable.json', 'changed\n')
    expect(await Bun.file(join(directory, 'pair/stable.json')).text()).toBe('changed\n')
  })

  test('a path that escapes the golden folder is refused, in either mode', async () => {
    expect(String(await compare('../outside.json', '{}').catch((thrown: unknown) => thrown))).toContain('escapes')
    expect(String(await update('../outside.json', '{}').catch((thrown: unknown) => thrown))).toContain('escapes')
    expect(await Bun.file(join(directory, '..', 'outside.json')).exists()).toBe(false)
  })
})
