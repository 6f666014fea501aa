import { expect, test } from 'bun:test'
import { originalToolName, recordToolName, shortenToolName, type ToolNameMap } from '../../../src/dialects/openai-chat/tool-name.ts'

test('names that fit are kept as they are', () => {
  expect(shortenToolName('get_weather')).toBe('get_weather')
  expect(shortenToolName('a'.repeat(64))).toBe('a'.repeat(64))
})

test('edge 15: long and off-pattern names become a readable prefix and a digest, at most 64 characters', () => {
  const long = `mcp__server__${'x'.repeat(80)}`
  const shortened = shortenToolName(long)
  expect(shortened).toHaveLength(64)
  expect(shortened.startsWith('mcp__server__x')).toBe(true)
  expect(shortened).toMatch(/^[a-zA-Z0-9_-]+$/)
  expect(shortenToolName('files.read')).toMatch(/^files_read_[a-zA-Z0-9_-]{16}$/)
})

test('names differing only in replaced characters or past the cut stay distinct; the same name maps the same way', () => {
  expect(shortenToolName('a.b')).not.toBe(shortenToolName('a:b'))
  const stem = 'y'.repeat(70)
  expect(shortenToolName(`${stem}1`)).not.toBe(shortenToolName(`${stem}2`))
  expect(shortenToolName(`${stem}1`)).toBe(shortenToolName(`${stem}1`))
})

test('the map records shortened names only and gives the client its names back; unknown names pass', () => {
  const toolNames: ToolNameMap = {}
  const upstream = recordToolName(toolNames, 'files.read')
  expect(recordToolName(toolNames, 'plain')).toBe('plain')
  expect(toolNames).toEqual({ [upstream]: 'files.read' })
  expect(originalToolName(toolNames, upstream)).toBe('files.read')
  expect(originalToolName(toolNames, 'plain')).toBe('plain')
  expect(originalToolName(toolNames, 'constructor')).toBe('constructor')
})
