import { describe, expect, test } from 'bun:test'
import { sanitizeToolId, toolIdLengthMax, toolIdPattern } from '../../src/core/tool-id.ts'

describe('sanitizeToolId (edge 2)', () => {
  test('ids already on the pattern are kept as they are', () => {
    for (const id of ['toolu_01A09q90qw90lq917835lq9', 'call_abc123', 'fc-1']) expect(sanitizeToolId(id)).toBe(id)
  })

  test('foreign ids with . : / | map onto the pattern, deterministically', () => {
    for (const id of ['functions.get_weather:0', 'call|abc', 'srv/tool:1', 'a b', '']) {
      const sanitised = sanitizeToolId(id)
      expect(sanitised).toMatch(toolIdPattern)
      expect(sanitizeToolId(id)).toBe(sanitised)
    }
    expect(sanitizeToolId('functions.get_weather:0')).toStartWith('functions_get_weather_0_')
  })

  test('ids that read the same once sanitised stay apart', () => {
    const ids = ['call.abc', 'call:abc', 'call/abc', 'call|abc', 'call_abc']
    expect(new Set(ids.map(sanitizeToolId)).size).toBe(ids.length)
  })

  test('long ids are shortened to the bound, still distinct', () => {
    const long = 'x'.repeat(200)
    expect(sanitizeToolId(long)).toHaveLength(toolIdLengthMax)
    expect(sanitizeToolId(long)).not.toBe(sanitizeToolId(`${long}y`))
    expect(sanitizeToolId('y'.repeat(toolIdLengthMax))).toBe('y'.repeat(toolIdLengthMax))
  })
})
