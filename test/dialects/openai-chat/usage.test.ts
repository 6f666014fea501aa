import { expect, test } from 'bun:test'
import { decodeUsage, encodeUsage } from '../../../src/dialects/openai-chat/usage.ts'

test('WIRE §4: the prompt counts every input token, cached reads named within it, reasoning within the completion', () => {
  const usage = { input: 100, cacheRead: 4000, cacheWrite5m: 200, cacheWrite1h: 50, output: 300, reasoning: 120 }
  expect(encodeUsage(usage)).toEqual({
    prompt_tokens: 4350,
    completion_tokens: 300,
    total_tokens: 4650,
    prompt_tokens_details: { cached_tokens: 4000 },
    completion_tokens_details: { reasoning_tokens: 120 },
  })
})

test('edge 8: decode∘encode keeps the uncached input and the cache reads, never counting them twice', () => {
  const usage = { input: 492, cacheRead: 1920, cacheWrite5m: 0, cacheWrite1h: 0, output: 1186, reasoning: 1024 }
  expect(decodeUsage(encodeUsage(usage))).toEqual(usage)
})
