import { describe, expect, test } from 'bun:test'
import type { CanonicalStreamEvent, FinishReason } from '../../../src/core/canonical.ts'
import { zeroUsage } from '../../../src/core/usage.ts'
import { encodeStream } from '../../../src/dialects/anthropic/encode-stream.ts'
import type { AnthropicSseFrame } from '../../../src/dialects/anthropic/wire.ts'
import { runTransducer } from '../../../src/core/transducer.ts'
import { checkEventOrder } from './stream-support.ts'

const options = { id: 'msg_anvat01', model: 'claude-client-alias', inputTokensEstimate: 321 }
const stop: FinishReason = { unified: 'stop', raw: 'stop' }
const finish = (reason: FinishReason = stop): CanonicalStreamEvent => ({ type: 'finish', reason, stopSequence: null })
const start: CanonicalStreamEvent = { type: 'message-start', id: 'chatcmpl-1', model: 'gpt-upstream' }

const encode = (events: CanonicalStreamEvent[]) => runTransducer(encodeStream(options), events)
const payloads = (frames: AnthropicSseFrame[]) => frames.map((frame) => JSON.parse(frame.data) as Record<string, unknown>)
const eventNames = (frames: AnthropicSseFrame[]) => frames.map((frame) => frame.event)

describe('encodeStream', () => {
  test('the exact Anthropic sequence for a text answer, with message_start usage never 0 (edge 7)', () => {
    const frames = encode([
      start,
      { type: 'text-start', index: 0 },
      { type: 'text-delta', index: 0, text: 'Hello' },
      { type: 'text-delta', index: 0, text: ' there' },
      { type: 'text-end', index: 0 },
      { type: 'usage', usage: { ...zeroUsage, input: 300, cacheRead: 20, cacheWrite5m: 4, cacheWrite1h: 6, output: 12 } },
      finish(),
    ])
    expect(frames.map((frame) => `${frame.event} ${frame.data}`)).toEqual([
      'message_start {"type":"message_start","message":{"id":"msg_anvat01","type":"message","role":"assistant","content":[],"model":"claude-client-alias","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":321,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}',
      'ping {"type":"ping"}',
      'content_block_start {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
      'content_block_delta {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}',
      'content_block_delta {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there"}}',
      'content_block_stop {"type":"content_block_stop","index":0}',
      'message_delta {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":300,"cache_creation_input_tokens":10,"cache_read_input_tokens":20,"output_tokens":12}}',
      'message_stop {"type":"message_stop"}',
    ])
  })

  test('empty text never opens a block', () => {
    const frames = encode([start, { type: 'text-start', index: 0 }, { type: 'text-delta', index: 0, text: '' }, { type: 'text-end', index: 0 }, finish()])
    expect(eventNames(frames)).toEqual(['message_start', 'ping', 'message_delta', 'message_stop'])
  })

  test('reasoning becomes a thinking block whose signature_delta comes just before its stop', () => {
    const frames = encode([
      start,
      { type: 'reasoning-start', index: 0 },
      { type: 'reasoning-delta', index: 0, text: 'Think.' },
      { type: 'reasoning-end', index: 0, signature: 'anvat-v1:eyJraW5kIjoib3BlbmFpIn0' },
      { type: 'text-delta', index: 1, text: 'Answer.' },
      finish(),
    ])
    checkEventOrder(frames)
    const data = payloads(frames)
    expect(data[2]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } })
    expect(data[3]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Think.' } })
    expect(data[4]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'anvat-v1:eyJraW5kIjoib3BlbmFpIn0' } })
    expect(data[5]).toEqual({ type: 'content_block_stop', index: 0 })
    expect(data[6]).toMatchObject({ type: 'content_block_start', index: 1, content_block: { type: 'text' } })
  })

  test('signed thinking with no text still reaches the client (edge 31); unsigned empty thinking does not', () => {
    const frames = encode([
      start,
      { type: 'reasoning-start', index: 0 },
      { type: 'reasoning-end', index: 0, signature: 'EqQBCkYIBxgCKkA' },
      { type: 'reasoning-start', index: 1 },
      { type: 'reasoning-end', index: 1 },
      finish(),
    ])
    checkEventOrder(frames)
    expect(payloads(frames).slice(2, 5)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQBCkYIBxgCKkA' } },
      { type: 'content_block_stop', index: 0 },
    ])
    expect(eventNames(frames).filter((name) => name === 'content_block_start')).toHaveLength(1)
  })

  test('redacted reasoning is a whole redacted_thinking block', () => {
    const frames = encode([start, { type: 'reasoning-start', index: 0, redactedData: 'opaque' }, { type: 'reasoning-end', index: 0 }, finish()])
    expect(payloads(frames).slice(2, 4)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'redacted_thinking', data: 'opaque' } },
      { type: 'content_block_stop', index: 0 },
    ])
  })

  test('alternating text and reasoning: sequential indices, one block open at a time, deltas of the block type (edges 19, 29)', () => {
    const frames = encode([
      start,
      { type: 'text-delta', index: 0, text: 'a' },
      { type: 'reasoning-delta', index: 1, text: 'r' },
      { type: 'text-delta', index: 0, text: 'b' },
      { type: 'tool-call-start', index: 2, id: 'call_1', name: 'f' },
      { type: 'text-delta', index: 3, text: 'c' },
      { type: 'tool-call-end', index: 2 },
      finish(),
    ])
    checkEventOrder(frames)
    const starts = payloads(frames).filter((data) => data.type === 'content_block_start')
    expect(starts.map((data) => [data.index, (data.content_block as { type: string }).type])).toEqual([
      [0, 'text'],
      [1, 'thinking'],
      [2, 'text'],
      [3, 'tool_use'],
      [4, 'text'],
    ])
  })

  test('interleaved tool calls come out as contiguous blocks with their own arguments (edge 5)', () => {
    const frames = encode([
      start,
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'get_weather' },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'get_time' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"zone":' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '"UTC"}' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-end', index: 1 },
      finish({ unified: 'tool-calls', raw: 'tool_calls' }),
    ])
    checkEventOrder(frames)
    const data = payloads(frames)
    const blocks = [0, 1].map((index) => ({
      start: data.find((item) => item.type === 'content_block_start' && item.index === index)?.content_block,
      input: data
        .filter((item) => item.type === 'content_block_delta' && item.index === index)
        .map((item) => (item.delta as { partial_json: string }).partial_json)
        .join(''),
    }))
    expect(blocks).toEqual([
      { start: { type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} }, input: '{"city":"Paris"}' },
      { start: { type: 'tool_use', id: 'call_b', name: 'get_time', input: {} }, input: '{"zone":"UTC"}' },
    ])
  })

  test('a stop after tool calls is tool_use (edge 23); tool ids are sanitised and the empty first fragment skipped', () => {
    const frames = encode([
      start,
      { type: 'tool-call-start', index: 0, id: 'functions.get:0', name: 'get' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' },
      { type: 'tool-call-end', index: 0 },
      finish(),
    ])
    const data = payloads(frames)
    const id = (data[2]?.content_block as { id: string }).id
    expect(id).toMatch(/^[a-zA-Z0-9_-]+$/)
    expect(data.filter((item) => item.type === 'content_block_delta')).toHaveLength(1)
    expect(data.at(-2)).toMatchObject({ delta: { stop_reason: 'tool_use', stop_sequence: null } })
  })

  test('tool arguments cut short are closed so the client parses an object (edge 21)', () => {
    const frames = encode([
      start,
      { type: 'tool-call-start', index: 0, id: 'call_1', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city": "Par' },
      { type: 'tool-call-end', index: 0 },
      finish({ unified: 'length', raw: 'length' }),
    ])
    const input = payloads(frames)
      .filter((item) => item.type === 'content_block_delta')
      .map((item) => (item.delta as { partial_json: string }).partial_json)
      .join('')
    expect(JSON.parse(input)).toEqual({ city: 'Par' })
    expect(payloads(frames).at(-2)).toMatchObject({ delta: { stop_reason: 'max_tokens' } })
  })

  test('an error closes the open block, is Anthropic-shaped (edge 25), and nothing follows', () => {
    const frames = encode([
      start,
      { type: 'text-delta', index: 0, text: 'partial' },
      { type: 'error', error: { status: 429, type: 'rate_limit_exceeded', message: 'Slow down' } },
      { type: 'text-delta', index: 0, text: 'late' },
      finish(),
    ])
    checkEventOrder(frames)
    expect(frames.slice(-2)).toEqual([
      { event: 'content_block_stop', data: '{"type":"content_block_stop","index":0}' },
      { event: 'error', data: '{"type":"error","error":{"type":"rate_limit_error","message":"Slow down"}}' },
    ])
  })

  test('an Anthropic error type is kept as it is', () => {
    const frames = encode([start, { type: 'error', error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } }])
    expect(payloads(frames).at(-1)).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })
  })

  test('input that ends without finish is a cut: an api_error event, never a message_stop (edge 27)', () => {
    const frames = encode([start, { type: 'text-delta', index: 0, text: 'cut here' }])
    expect(eventNames(frames)).toEqual(['message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_stop', 'error'])
    expect(payloads(frames).at(-1)).toMatchObject({ error: { type: 'api_error' } })
  })

  test('upstream usage on message-start replaces the estimate; a finish without message-start still starts the message', () => {
    const usage = { ...zeroUsage, input: 14, cacheRead: 2077, output: 2 }
    const withUsage = payloads(encode([{ ...start, usage }, finish()]))
    expect(withUsage[0]).toMatchObject({ message: { usage: { input_tokens: 14, cache_read_input_tokens: 2077, output_tokens: 2 } } })
    expect(eventNames(encode([finish()]))).toEqual(['message_start', 'ping', 'message_delta', 'message_stop'])
  })
})
