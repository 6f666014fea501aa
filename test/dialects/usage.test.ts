import { describe, expect, test } from 'bun:test'
import type { StreamMeter } from '../../src/core/stream.ts'
import { promptTokens, zeroUsage, type Usage } from '../../src/core/usage.ts'
import { createStreamMeter as createAnthropicMeter } from '../../src/dialects/anthropic/stream-meter.ts'
import { decodeUsage as decodeAnthropicUsage } from '../../src/dialects/anthropic/usage.ts'
import { createStreamMeter as createChatMeter } from '../../src/dialects/openai-chat/stream-meter.ts'
import { decodeUsage as decodeChatUsage } from '../../src/dialects/openai-chat/usage.ts'
import { createStreamMeter as createResponsesMeter } from '../../src/dialects/openai-responses/stream-meter.ts'
import { decodeUsage as decodeResponsesUsage } from '../../src/dialects/openai-responses/usage.ts'
import { createSseDecoder } from '../../src/translate/sse.ts'
import { readFixture, rechunk } from '../support/fixtures.ts'

const usage = (fields: Partial<Usage>): Usage => ({ ...zeroUsage, ...fields })

describe('Anthropic decodeUsage (WIRE §4)', () => {
  test('input excludes cache reads and writes; the 1-hour share comes from cache_creation', () => {
    const decoded = decodeAnthropicUsage({
      input_tokens: 10,
      cache_creation_input_tokens: 300,
      cache_read_input_tokens: 50,
      cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
      output_tokens: 40,
      output_tokens_details: { thinking_tokens: 30 },
    })
    expect(decoded).toEqual({ input: 10, cacheRead: 50, cacheWrite5m: 100, cacheWrite1h: 200, output: 40, reasoning: 30 })
    expect(promptTokens(decoded)).toBe(360)
  })

  test('without a cache_creation split every cache write is 5-minute', () => {
    expect(decodeAnthropicUsage({ input_tokens: 3, cache_creation_input_tokens: 221, cache_read_input_tokens: 4608, output_tokens: 8 })).toEqual(
      usage({ input: 3, cacheWrite5m: 221, cacheRead: 4608, output: 8 }),
    )
  })

  test('message_delta overwrites the fields it carries and keeps the rest from `previous`', () => {
    const start = decodeAnthropicUsage({ input_tokens: 14, cache_creation_input_tokens: 0, cache_read_input_tokens: 2077, output_tokens: 2 })
    expect(decodeAnthropicUsage({ output_tokens: 19 }, start)).toEqual(usage({ input: 14, cacheRead: 2077, output: 19 }))
    expect(decodeAnthropicUsage({ input_tokens: 20, output_tokens: 19 }, start)).toEqual(usage({ input: 20, cacheRead: 2077, output: 19 }))
    expect(decodeAnthropicUsage({ output_tokens: 19, output_tokens_details: { thinking_tokens: 12 } }, start)).toMatchObject({ reasoning: 12 })
    // Null is "not reported", not zero.
    expect(decodeAnthropicUsage({ input_tokens: null, cache_read_input_tokens: null, output_tokens: 5 }, start)).toEqual(usage({ input: 14, cacheRead: 2077, output: 5 }))
  })

  test('a message_delta repeating the cache-write total without its split keeps the 1-hour share', () => {
    // Real message_delta events carry cache_creation_input_tokens but no cache_creation object (see the fixtures).
    const start = decodeAnthropicUsage({
      input_tokens: 10,
      cache_creation_input_tokens: 300,
      cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
      output_tokens: 1,
    })
    const final = decodeAnthropicUsage({ input_tokens: 10, cache_creation_input_tokens: 300, cache_read_input_tokens: 0, output_tokens: 57 }, start)
    expect(final).toEqual(usage({ input: 10, cacheWrite5m: 100, cacheWrite1h: 200, output: 57 }))
    // A new split always wins, and a smaller total caps the kept share.
    const resplit = decodeAnthropicUsage({ cache_creation_input_tokens: 300, cache_creation: { ephemeral_1h_input_tokens: 300 } }, start)
    expect(resplit).toMatchObject({ cacheWrite5m: 0, cacheWrite1h: 300 })
    expect(decodeAnthropicUsage({ cache_creation_input_tokens: 150 }, start)).toMatchObject({ cacheWrite5m: 0, cacheWrite1h: 150 })
  })

  test('anything that is not a whole non-negative count is 0', () => {
    expect(decodeAnthropicUsage(undefined)).toEqual(zeroUsage)
    expect(decodeAnthropicUsage('usage')).toEqual(zeroUsage)
    expect(decodeAnthropicUsage({ input_tokens: -5, output_tokens: 2.5, cache_read_input_tokens: '7' })).toEqual(zeroUsage)
  })
})

describe('OpenAI Chat decodeUsage (WIRE §4)', () => {
  test('prompt_tokens includes cached and written tokens: input is what is left', () => {
    const decoded = decodeChatUsage({
      prompt_tokens: 1000,
      completion_tokens: 200,
      total_tokens: 1200,
      prompt_tokens_details: { cached_tokens: 600, cache_write_tokens: 100 },
      completion_tokens_details: { reasoning_tokens: 150 },
    })
    expect(decoded).toEqual({ input: 300, cacheRead: 600, cacheWrite5m: 100, cacheWrite1h: 0, output: 200, reasoning: 150 })
    expect(promptTokens(decoded)).toBe(1000)
  })

  test('missing details are 0, and cache figures above the prompt never make input negative', () => {
    expect(decodeChatUsage({ prompt_tokens: 12, completion_tokens: 78 })).toEqual(usage({ input: 12, output: 78 }))
    expect(decodeChatUsage({ prompt_tokens: 10, prompt_tokens_details: { cached_tokens: 50 } })).toEqual(usage({ input: 0, cacheRead: 50 }))
    expect(decodeChatUsage(null)).toEqual(zeroUsage)
  })
})

describe('OpenAI Responses decodeUsage (WIRE §4)', () => {
  test('input_tokens includes cached tokens: input is what is left; output includes reasoning', () => {
    const decoded = decodeResponsesUsage({
      input_tokens: 2048,
      input_tokens_details: { cached_tokens: 1024 },
      output_tokens: 300,
      output_tokens_details: { reasoning_tokens: 256 },
      total_tokens: 2348,
    })
    expect(decoded).toEqual({ input: 1024, cacheRead: 1024, cacheWrite5m: 0, cacheWrite1h: 0, output: 300, reasoning: 256 })
  })

  test('cache writes, where a provider reports them, leave the uncached input', () => {
    expect(decodeResponsesUsage({ input_tokens: 500, input_tokens_details: { cached_tokens: 100, cache_write_tokens: 250 }, output_tokens: 1 })).toEqual(
      usage({ input: 150, cacheRead: 100, cacheWrite5m: 250, output: 1 }),
    )
    expect(decodeResponsesUsage({})).toEqual(zeroUsage)
  })
})

type MeterCase = { fixture: string; meter: () => StreamMeter; usage: Usage | undefined; sawContent: boolean; outputReported: boolean }

/** The figures each recorded stream reports, read off the fixture by hand. */
const meterCases: MeterCase[] = [
  { fixture: 'anthropic/text', meter: createAnthropicMeter, usage: usage({ input: 14, cacheRead: 2077, output: 19 }), sawContent: true, outputReported: true },
  { fixture: 'anthropic/multibyte', meter: createAnthropicMeter, usage: usage({ input: 31, output: 46 }), sawContent: true, outputReported: true },
  { fixture: 'anthropic/thinking', meter: createAnthropicMeter, usage: usage({ input: 58, output: 143 }), sawContent: true, outputReported: true },
  { fixture: 'anthropic/tool-use', meter: createAnthropicMeter, usage: usage({ input: 412, output: 89 }), sawContent: true, outputReported: true },
  {
    fixture: 'anthropic/thinking-tool-use',
    meter: createAnthropicMeter,
    usage: usage({ input: 3, cacheWrite5m: 221, cacheRead: 4608, output: 112 }),
    sawContent: true,
    outputReported: true,
  },
  // Cut before message_delta: the output figure is message_start's placeholder, not a count.
  { fixture: 'anthropic/cut', meter: createAnthropicMeter, usage: usage({ input: 26, output: 1 }), sawContent: true, outputReported: false },
  { fixture: 'anthropic/error-midstream', meter: createAnthropicMeter, usage: usage({ input: 26, output: 1 }), sawContent: true, outputReported: false },
  { fixture: 'openai-chat/text', meter: createChatMeter, usage: usage({ input: 12, output: 78, reasoning: 64 }), sawContent: true, outputReported: true },
  { fixture: 'openai-chat/tool-calls', meter: createChatMeter, usage: usage({ input: 164, output: 246, reasoning: 192 }), sawContent: true, outputReported: true },
  { fixture: 'openai-chat/cut', meter: createChatMeter, usage: undefined, sawContent: true, outputReported: false },
  { fixture: 'openai-responses/text', meter: createResponsesMeter, usage: usage({ input: 11, output: 80, reasoning: 64 }), sawContent: true, outputReported: true },
  {
    fixture: 'openai-responses/function-call',
    meter: createResponsesMeter,
    usage: usage({ input: 72, output: 150, reasoning: 128 }),
    sawContent: true,
    outputReported: true,
  },
]

async function meterFixture(fixture: string, meter: StreamMeter, chunkBytes: number) {
  const decoder = createSseDecoder()
  const text = await readFixture(`upstream/${fixture}.stream.sse`)
  for (const chunk of rechunk(text, chunkBytes)) for (const frame of decoder.push(chunk)) meter.observe(frame)
  for (const frame of decoder.end()) meter.observe(frame)
  return meter.reading()
}

describe('stream meters over the recorded fixtures', () => {
  test.each(meterCases)('$fixture', async ({ fixture, meter, ...expected }) => {
    for (const chunkBytes of [1, 7, 1 << 20]) {
      const reading = await meterFixture(fixture, meter(), chunkBytes)
      expect({ usage: reading.usage, sawContent: reading.sawContent, outputReported: reading.outputReported }).toEqual(expected)
      expect(reading.outputCharacters).toBeGreaterThan(0)
    }
  })

  test('output characters count what was delivered', async () => {
    // "Hello! How can I help you today?"
    expect((await meterFixture('openai-chat/text', createChatMeter(), 64)).outputCharacters).toBe(32)
    // The two tool calls' names (get_weather) and arguments ({"location":"Paris, France"}, {"location":"Tokyo, Japan"}).
    expect((await meterFixture('openai-chat/tool-calls', createChatMeter(), 64)).outputCharacters).toBe(11 * 2 + 28 + 27)
  })

  test('a streamed 1-hour cache write is still 1-hour after message_delta repeats the total', () => {
    const meter = createAnthropicMeter()
    const cacheCreation = { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 1000 }
    const start = { input_tokens: 5, cache_creation_input_tokens: 1000, cache_read_input_tokens: 0, cache_creation: cacheCreation, output_tokens: 1 }
    meter.observe({ event: 'message_start', data: JSON.stringify({ type: 'message_start', message: { usage: start } }), id: undefined })
    meter.observe({ event: 'content_block_delta', data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}', id: undefined })
    const deltaUsage = { input_tokens: 5, cache_creation_input_tokens: 1000, cache_read_input_tokens: 0, output_tokens: 9 }
    meter.observe({ event: 'message_delta', data: JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: deltaUsage }), id: undefined })
    expect(meter.reading().usage).toEqual(usage({ input: 5, cacheWrite1h: 1000, output: 9 }))
  })

  test('a stream that has sent nothing but its start has no content and no reported output', () => {
    const meter = createAnthropicMeter()
    meter.observe({ event: 'message_start', data: JSON.stringify({ type: 'message_start', message: { usage: { input_tokens: 9, output_tokens: 1 } } }), id: undefined })
    meter.observe({ event: 'ping', data: '{"type":"ping"}', id: undefined })
    expect(meter.reading()).toEqual({ usage: usage({ input: 9, output: 1 }), sawContent: false, outputReported: false, outputCharacters: 0 })
  })
})
