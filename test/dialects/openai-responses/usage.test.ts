import { expect, test } from 'bun:test'
import { decodeUsage, encodeUsage } from '../../../src/dialects/openai-responses/usage.ts'

test('WIRE §4: input_tokens counts every prompt token, cache reads and writes named within it, reasoning within output', () => {
  const usage = { input: 100, cacheRead: 4000, cacheWrite5m: 200, cacheWrite1h: 50, output: 300, reasoning: 120 }
  expect(encodeUsage(usage)).toEqual({
    input_tokens: 4350,
    input_tokens_details: { cached_tokens: 4000, cache_write_tokens: 250 },
    output_tokens: 300,
    output_tokens_details: { reasoning_tokens: 120 },
    total_tokens: 4650,
  })
})

test('edge 8: decode∘encode keeps the uncached input, the cache reads and the writes, never counting them twice', () => {
  const usage = { input: 492, cacheRead: 1920, cacheWrite5m: 300, cacheWrite1h: 0, output: 1186, reasoning: 1024 }
  expect(decodeUsage(encodeUsage(usage))).toEqual(usage)
})

test('the 1-hour cache writes fold into the one write count Responses has: the uncached input still comes back', () => {
  const usage = { input: 7, cacheRead: 0, cacheWrite5m: 10, cacheWrite1h: 20, output: 1, reasoning: 0 }
  expect(decodeUsage(encodeUsage(usage))).toEqual({ ...usage, cacheWrite5m: 30, cacheWrite1h: 0 })
})

test('no reasoning reported is reasoning_tokens 0, never missing', () => {
  const encoded = encodeUsage({ input: 1, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 2, reasoning: 0 })
  expect(encoded.output_tokens_details).toEqual({ reasoning_tokens: 0 })
  expect(encoded.total_tokens).toBe(3)
})
