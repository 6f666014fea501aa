import { describe, expect, test } from 'bun:test'
import { jsonCompletionSuffix, parseToolInput, toolInputRepairSuffix } from '../../../src/dialects/anthropic/tool-input.ts'

describe('tool arguments → tool_use.input (edge 21)', () => {
  test('a whole object is parsed as it is; empty text is {}', () => {
    expect(parseToolInput('{"a":[1,{"b":"}"}]}')).toEqual({ input: { a: [1, { b: '}' }] }, repaired: false })
    expect(parseToolInput('')).toEqual({ input: {}, repaired: false })
    expect(parseToolInput('  \n')).toEqual({ input: {}, repaired: false })
  })

  test('truncated JSON is closed; a trailing comma is dropped', () => {
    expect(parseToolInput('{"city": "Par')).toEqual({ input: { city: 'Par' }, repaired: true })
    expect(parseToolInput('{"list": [1, 2')).toEqual({ input: { list: [1, 2] }, repaired: true })
    expect(parseToolInput('{"a": 1,')).toEqual({ input: { a: 1 }, repaired: true })
    expect(parseToolInput('{"path": "C:\\')).toEqual({ input: { path: 'C:\\' }, repaired: true })
  })

  test('anything that is not an object becomes {}, never a string', () => {
    expect(parseToolInput('nonsense')).toEqual({ input: {}, repaired: true })
    expect(parseToolInput('"a string"')).toEqual({ input: {}, repaired: true })
    expect(parseToolInput('[1, 2]')).toEqual({ input: {}, repaired: true })
  })

  test('the completion suffix only appends, so a stream can send it last', () => {
    expect(jsonCompletionSuffix('{"a": {"b": ["x')).toBe('"]}}')
    expect(jsonCompletionSuffix('{"a": "}"')).toBe('}')
    expect(toolInputRepairSuffix('{"a": 1')).toBe('}')
    expect(toolInputRepairSuffix('{"a": 1}')).toBeUndefined()
    expect(toolInputRepairSuffix('')).toBeUndefined()
    expect(toolInputRepairSuffix('{"a":')).toBeUndefined()
  })
})
