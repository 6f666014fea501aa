import { describe, expect, test } from 'bun:test'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { CanonicalStreamEvent } from '../../../src/core/canonical.ts'
import { readFixture } from '../../support/fixtures.ts'
import { azurePromptFilterChunk, chatChunk, chatStreamBody, decodeChatStream, toolCallDelta, usageChunk } from '../../support/builders/openai-chat-stream.ts'

const fixtureDirectory = join(import.meta.dir, '..', '..', 'fixtures', 'upstream', 'openai-chat')
const streamFixtures = (await readdir(fixtureDirectory)).filter((name) => name.endsWith('.stream.sse')).sort()

const textOf = (events: CanonicalStreamEvent[]) => events.map((event) => (event.type === 'text-delta' ? event.text : '')).join('')
const typesOf = (events: CanonicalStreamEvent[]) => events.map((event) => event.type)

describe('every recorded Chat stream (edge 28: framing split anywhere)', () => {
  test('there are fixtures to read', () => expect(streamFixtures.length).toBeGreaterThanOrEqual(3))

  for (const name of streamFixtures) {
    test(`${name}: re-chunked at 1, 7 and 64 bytes gives identical events`, async () => {
      const body = await readFixture(`upstream/openai-chat/${name}`)
      const whole = decodeChatStream(body, body.length)
      expect(whole.length).toBeGreaterThan(0)
      for (const sizeBytes of [1, 7, 64]) expect(decodeChatStream(body, sizeBytes)).toEqual(whole)
    })
  }
})

describe('recorded streams decode to well-formed events', () => {
  test('text: one text block, usage before the held finish', async () => {
    const events = decodeChatStream(await readFixture('upstream/openai-chat/text.stream.sse'), 7)
    expect(events[0]).toEqual({ type: 'message-start', id: 'chatcmpl-Cz5a4hkmQM7Vdo8uvTVDegLtSZfwF', model: 'gpt-5-mini-2025-08-07' })
    expect(events[1]).toEqual({ type: 'text-start', index: 0 })
    expect(textOf(events)).toBe('Hello! How can I help you today?')
    expect(events.slice(-3)).toEqual([
      { type: 'text-end', index: 0 },
      { type: 'usage', usage: { input: 12, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 78, reasoning: 64 } },
      { type: 'finish', reason: { unified: 'stop', raw: 'stop' }, stopSequence: null },
    ])
  })

  test('tool calls: two contiguous tool blocks with their whole arguments', async () => {
    const events = decodeChatStream(await readFixture('upstream/openai-chat/tool-calls.stream.sse'), 64)
    const starts = events.filter((event) => event.type === 'tool-call-start')
    expect(starts).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_UYeQtbhDbmUwstXLF3jwZXJA', name: 'get_weather' },
      { type: 'tool-call-start', index: 1, id: 'call_GLRs4bLF14PCfj4PBrsoA33V', name: 'get_weather' },
    ])
    const argumentsOf = (index: number) =>
      events.map((event) => (event.type === 'tool-call-delta' && event.index === index ? event.argumentsDelta : '')).join('')
    expect(JSON.parse(argumentsOf(0))).toEqual({ location: 'Paris, France' })
    expect(JSON.parse(argumentsOf(1))).toEqual({ location: 'Tokyo, Japan' })
    expect(events.at(-1)).toEqual({ type: 'finish', reason: { unified: 'tool-calls', raw: 'tool_calls' }, stopSequence: null })
  })

  test('cut: a stream that ends without finish_reason ends in an error, never a finish (edge 27)', async () => {
    const events = decodeChatStream(await readFixture('upstream/openai-chat/cut.stream.sse'), 7)
    expect(events.some((event) => event.type === 'finish')).toBe(false)
    expect(events.slice(-2)).toEqual([
      { type: 'text-end', index: 0 },
      { type: 'error', error: { status: 502, type: 'provider_error', message: 'The upstream stream ended before it finished' } },
    ])
  })
})

describe('what says nothing emits nothing', () => {
  test('role-only and empty-content chunks open no block', () => {
    const events = decodeChatStream(chatStreamBody([chatChunk({ role: 'assistant', content: '' }), chatChunk({ content: '' }), chatChunk({}, 'stop')]))
    expect(typesOf(events)).toEqual(['message-start', 'finish'])
  })

  test('edge 18: Azure opening chunk with choices:[] and prompt_filter_results does not crash or start the message', () => {
    const events = decodeChatStream(chatStreamBody([azurePromptFilterChunk, chatChunk({ role: 'assistant' }), chatChunk({ content: 'Hi' }), chatChunk({}, 'stop')]))
    expect(events[0]).toEqual({ type: 'message-start', id: 'chatcmpl-synthetic', model: 'synthetic-model' })
    expect(typesOf(events)).toEqual(['message-start', 'text-start', 'text-delta', 'text-end', 'finish'])
  })

  test('whitespace-only content opens no block, and is kept in front of the text that follows it (edge 1)', () => {
    const events = decodeChatStream(chatStreamBody([chatChunk({ content: '\n\n' }), chatChunk({ content: 'Answer' }), chatChunk({}, 'stop')]))
    expect(events.filter((event) => event.type === 'text-delta')).toEqual([{ type: 'text-delta', index: 0, text: '\n\nAnswer' }])
    const blank = decodeChatStream(chatStreamBody([chatChunk({ content: ' \n' }), chatChunk({}, 'stop')]))
    expect(typesOf(blank)).toEqual(['message-start', 'finish'])
  })
})

describe('edge 6: the finish waits for the usage chunk', () => {
  test('usage after finish_reason: usage then finish, both after the blocks close', () => {
    const events = decodeChatStream(chatStreamBody([chatChunk({ content: 'Hi' }), chatChunk({}, 'length'), usageChunk()]))
    expect(typesOf(events)).toEqual(['message-start', 'text-start', 'text-delta', 'text-end', 'usage', 'finish'])
    expect(events.at(-1)).toEqual({ type: 'finish', reason: { unified: 'length', raw: 'length' }, stopSequence: null })
  })

  test('nothing arrives after the finish chunk until [DONE]: the finish goes out then, without usage', () => {
    const body = chatStreamBody([chatChunk({ content: 'Hi' }), chatChunk({}, 'stop')])
    const events = decodeChatStream(body)
    expect(typesOf(events).slice(-2)).toEqual(['text-end', 'finish'])
  })

  test('the input ends after finish_reason with neither usage nor [DONE]: still a finish', () => {
    const events = decodeChatStream(chatStreamBody([chatChunk({ content: 'Hi' }), chatChunk({}, 'stop')], false))
    expect(events.at(-1)?.type).toBe('finish')
  })

  test('usage in the finish chunk itself ends the message at once', () => {
    const finishWithUsage = { ...chatChunk({}, 'stop'), usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }
    const events = decodeChatStream(chatStreamBody([chatChunk({ content: 'Hi' }), finishWithUsage]))
    expect(typesOf(events).slice(-2)).toEqual(['usage', 'finish'])
  })

  test('cumulative usage on every chunk (vLLM) is emitted once, the last figure before the finish', () => {
    const withUsage = (chunk: Record<string, unknown>, output: number) => ({ ...chunk, usage: { prompt_tokens: 3, completion_tokens: output, total_tokens: 3 + output } })
    const events = decodeChatStream(chatStreamBody([withUsage(chatChunk({ content: 'a' }), 1), withUsage(chatChunk({ content: 'b' }), 2), chatChunk({}, 'stop'), usageChunk({ prompt_tokens: 3, completion_tokens: 2 })]))
    const usages = events.filter((event) => event.type === 'usage')
    expect(usages).toHaveLength(1)
    expect(usages[0]).toMatchObject({ usage: { input: 3, output: 2 } })
  })
})

describe('errors', () => {
  test('a mid-stream error chunk closes the open block and ends the stream; nothing after it counts', () => {
    const error = { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } }
    const events = decodeChatStream(chatStreamBody([chatChunk({ content: 'Hi' }), error, chatChunk({ content: 'more' }), chatChunk({}, 'stop')]))
    expect(events.slice(-2)).toEqual([
      { type: 'text-end', index: 0 },
      { type: 'error', error: { status: 429, type: 'provider_rate_limited', message: 'Rate limit reached' } },
    ])
  })

  test('an error before any content comes alone, so the pipeline can still answer with an HTTP error', () => {
    const events = decodeChatStream(chatStreamBody([{ error: { message: 'Overloaded', type: 'server_error', param: null, code: 503 } }]))
    expect(events).toEqual([{ type: 'error', error: { status: 503, type: 'provider_overloaded', message: 'Overloaded' } }])
  })

  test('an `event: error` frame with a bare body is an error too', () => {
    const events = decodeChatStream('data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\nevent: error\ndata: {"message":"busy","code":429}\n\n')
    expect(events.at(-1)).toEqual({ type: 'error', error: { status: 429, type: 'provider_rate_limited', message: 'busy' } })
  })

  test('a chunk that is not JSON is an error, not a silent skip', () => {
    const events = decodeChatStream('data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\ndata: {not json\n\n')
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { status: 502 } })
  })

  test('an empty body is a cut stream', () => {
    expect(decodeChatStream('')).toEqual([{ type: 'error', error: { status: 502, type: 'provider_error', message: 'The upstream stream ended before it finished' } }])
  })
})

describe('reasoning (third-party extensions)', () => {
  test('reasoning_content, reasoning and reasoning_details[].text each open a reasoning block before the text', () => {
    for (const delta of [{ reasoning_content: 'Think' }, { reasoning: 'Think' }, { reasoning: 'Think', reasoning_details: [{ type: 'reasoning.text', text: 'Think' }] }, { reasoning_details: [{ type: 'reasoning.text', text: 'Think' }] }]) {
      const events = decodeChatStream(chatStreamBody([chatChunk(delta), chatChunk({ content: 'Done' }), chatChunk({}, 'stop')]))
      expect(events.slice(1, 7)).toEqual([
        { type: 'reasoning-start', index: 0 },
        { type: 'reasoning-delta', index: 0, text: 'Think' },
        { type: 'reasoning-end', index: 0 },
        { type: 'text-start', index: 1 },
        { type: 'text-delta', index: 1, text: 'Done' },
        { type: 'text-end', index: 1 },
      ])
    }
  })

  test('edge 20: alternating reasoning and content fragments give one reasoning block and one text block', () => {
    const chunks = [chatChunk({ reasoning_content: 'a' }), chatChunk({ reasoning_content: 'b' })]
    for (const word of ['One', ' two', ' three']) chunks.push(chatChunk({ content: word }), chatChunk({ reasoning_content: `(${word})` }))
    const events = decodeChatStream(chatStreamBody([...chunks, chatChunk({}, 'stop')]))
    expect(events.filter((event) => event.type.endsWith('-start')).map((event) => event.type)).toEqual(['message-start', 'reasoning-start', 'text-start'])
    expect(textOf(events)).toBe('One two three')
  })

  test('edge 24: reasoning is never placed after text; reasoning after a tool call is dropped too', () => {
    const events = decodeChatStream(chatStreamBody([chatChunk(toolCallDelta(0, { id: 'call_1', name: 'f', arguments: '{}' })), chatChunk({ reasoning_content: 'late' }), chatChunk({}, 'tool_calls')]))
    expect(events.some((event) => event.type === 'reasoning-start')).toBe(false)
  })
})

test('edge 23: finish_reason "stop" after tool calls finishes as tool-calls, the raw word kept', () => {
  const events = decodeChatStream(chatStreamBody([chatChunk(toolCallDelta(0, { id: 'call_1', name: 'f', arguments: '{"a":1}' })), chatChunk({}, 'stop')]))
  expect(events.at(-1)).toEqual({ type: 'finish', reason: { unified: 'tool-calls', raw: 'stop' }, stopSequence: null })
})

test('a refusal streams as text and finishes as content-filter', () => {
  const events = decodeChatStream(chatStreamBody([chatChunk({ refusal: "I can't help with that." }), chatChunk({}, 'stop')]))
  expect(textOf(events)).toBe("I can't help with that.")
  expect(events.at(-1)).toEqual({ type: 'finish', reason: { unified: 'content-filter', raw: 'stop' }, stopSequence: null })
})
