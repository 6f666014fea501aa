import { describe, expect, test } from 'bun:test'
import type { CanonicalStreamEvent } from '../../../src/core/canonical.ts'
import type { SseFrame } from '../../../src/core/stream.ts'
import { decodeStream } from '../../../src/dialects/anthropic/decode-stream.ts'
import { runTransducer } from '../../../src/core/transducer.ts'
import { readFixture } from '../../support/fixtures.ts'
import { framesOf, streamFixtures } from './stream-support.ts'

const decodeFixture = async (name: string, chunkBytes?: number) =>
  runTransducer(decodeStream, framesOf(await readFixture(`upstream/anthropic/${name}.stream.sse`), chunkBytes))

const frame = (event: string, data: Record<string, unknown>): SseFrame => ({ event, data: JSON.stringify({ type: event, ...data }), id: undefined })
const messageStart = frame('message_start', { message: { id: 'msg_1', model: 'claude-test', usage: { input_tokens: 5, output_tokens: 1 } } })

const argumentsOf = (events: CanonicalStreamEvent[], index: number) =>
  events.flatMap((event) => (event.type === 'tool-call-delta' && event.index === index ? [event.argumentsDelta] : [])).join('')

describe('decodeStream over every recorded Anthropic stream', () => {
  for (const name of streamFixtures) {
    test(`${name}: the same events whether the bytes come whole or in chunks of 1, 7 and 64`, async () => {
      const whole = await decodeFixture(name)
      expect(whole.length).toBeGreaterThan(0)
      for (const chunkBytes of [1, 7, 64]) expect(await decodeFixture(name, chunkBytes)).toEqual(whole)
    })
  }
})

describe('decodeStream', () => {
  test('text: message-start with usage, one text block, cumulative usage, finish at message_stop', async () => {
    const events = await decodeFixture('text')
    expect(events[0]).toEqual({
      type: 'message-start',
      id: 'msg_01QqDz2o5hqNtDQBNbGCYWvG',
      model: 'claude-sonnet-4-6',
      usage: { input: 14, cacheRead: 2077, cacheWrite5m: 0, cacheWrite1h: 0, output: 2, reasoning: 0 },
    })
    expect(events.map((event) => event.type)).toEqual([
      'message-start',
      'text-start',
      'text-delta',
      'text-delta',
      'text-delta',
      'text-delta',
      'text-end',
      'usage',
      'finish',
    ])
    const text = events.flatMap((event) => (event.type === 'text-delta' ? [event.text] : [])).join('')
    expect(text).toBe("Hello! I'm doing well, thanks for asking. How can I help you today?")
    expect(events.at(-2)).toEqual({ type: 'usage', usage: { input: 14, cacheRead: 2077, cacheWrite5m: 0, cacheWrite1h: 0, output: 19, reasoning: 0 } })
    expect(events.at(-1)).toEqual({ type: 'finish', reason: { unified: 'stop', raw: 'end_turn' }, stopSequence: null })
  })

  test('thinking: the signature arrives on reasoning-end byte for byte (edge 9)', async () => {
    const text = await readFixture('upstream/anthropic/thinking.stream.sse')
    const signature = /"signature":"(E[^"]+)"/.exec(text)?.[1]
    const events = await decodeFixture('thinking')
    expect(events).toContainEqual({ type: 'reasoning-end', index: 0, signature })
    expect(events.filter((event) => event.type === 'reasoning-delta').every((event) => event.type === 'reasoning-delta' && event.text !== '')).toBe(true)
    expect(events.findIndex((event) => event.type === 'reasoning-end')).toBeLessThan(events.findIndex((event) => event.type === 'text-start'))
  })

  test('tool use: the empty first partial_json is skipped and the fragments join into the arguments', async () => {
    const events = await decodeFixture('tool-use')
    expect(events).toContainEqual({ type: 'tool-call-start', index: 1, id: 'toolu_01TG4sNXP8GMvEeuer2yhU5b', name: 'get_weather' })
    expect(JSON.parse(argumentsOf(events, 1))).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' })
    expect(events.filter((event) => event.type === 'tool-call-delta')).toHaveLength(4)
    expect(events.at(-1)).toEqual({ type: 'finish', reason: { unified: 'tool-calls', raw: 'tool_use' }, stopSequence: null })
  })

  test('thinking then tool use: both blocks keep their Anthropic index', async () => {
    const events = await decodeFixture('thinking-tool-use')
    const starts = events.filter((event) => event.type === 'reasoning-start' || event.type === 'tool-call-start')
    expect(starts.map((event) => [event.type, 'index' in event ? event.index : -1])).toEqual([
      ['reasoning-start', 0],
      ['tool-call-start', 1],
    ])
    expect(JSON.parse(argumentsOf(events, 1))).toEqual({ location: 'Tokyo, Japan', unit: 'celsius' })
  })

  test('a stream cut before message_stop ends with an error event, never a finish (edge 27)', async () => {
    const events = await decodeFixture('cut')
    expect(events.some((event) => event.type === 'finish')).toBe(false)
    expect(events.at(-1)).toEqual({ type: 'error', error: { status: 502, type: 'api_error', message: 'The upstream stream ended before it finished.' } })
  })

  test('an error event mid-stream becomes an error with its type and a matching status, and ends the stream', async () => {
    const events = await decodeFixture('error-midstream')
    expect(events.at(-1)).toEqual({ type: 'error', error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } })
    expect(events.filter((event) => event.type === 'error')).toHaveLength(1)
  })

  test('multibyte text split anywhere decodes to the same characters', async () => {
    const text = (await decodeFixture('multibyte', 1)).flatMap((event) => (event.type === 'text-delta' ? [event.text] : [])).join('')
    expect(text).toContain('👩‍💻🇯🇵🍣')
    expect(text).toContain('한국어도 돼요.')
  })

  test('ping is ignored, redacted thinking carries its data, message_delta usage overwrites', () => {
    const events = runTransducer(decodeStream, [
      messageStart,
      frame('ping', {}),
      frame('content_block_start', { index: 0, content_block: { type: 'redacted_thinking', data: 'EmwKAhgBEgy+opaque' } }),
      frame('content_block_stop', { index: 0 }),
      frame('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } }),
      frame('message_delta', { delta: {}, usage: { output_tokens: 9, cache_read_input_tokens: 100 } }),
      frame('message_stop', {}),
    ])
    expect(events).toEqual([
      { type: 'message-start', id: 'msg_1', model: 'claude-test', usage: { input: 5, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 1, reasoning: 0 } },
      { type: 'reasoning-start', index: 0, redactedData: 'EmwKAhgBEgy+opaque' },
      { type: 'reasoning-end', index: 0 },
      { type: 'usage', usage: { input: 5, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 7, reasoning: 0 } },
      { type: 'usage', usage: { input: 5, cacheRead: 100, cacheWrite5m: 0, cacheWrite1h: 0, output: 9, reasoning: 0 } },
      { type: 'finish', reason: { unified: 'stop', raw: 'end_turn' }, stopSequence: null },
    ])
  })

  test('stop_sequence keeps its raw value and the matched sequence; server-tool blocks are skipped', () => {
    const events = runTransducer(decodeStream, [
      messageStart,
      frame('content_block_start', { index: 0, content_block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} } }),
      frame('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"query":"x"}' } }),
      frame('content_block_stop', { index: 0 }),
      frame('message_delta', { delta: { stop_reason: 'stop_sequence', stop_sequence: 'END' }, usage: { output_tokens: 3 } }),
      frame('message_stop', {}),
    ])
    expect(events.map((event) => event.type)).toEqual(['message-start', 'usage', 'finish'])
    expect(events.at(-1)).toEqual({ type: 'finish', reason: { unified: 'stop', raw: 'stop_sequence' }, stopSequence: 'END' })
  })

  test('a frame that is not JSON ends the stream with an error, and nothing follows', () => {
    const events = runTransducer(decodeStream, [messageStart, { event: 'content_block_delta', data: '{"type":', id: undefined }, frame('message_stop', {})])
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { type: 'api_error' } })
    expect(events).toHaveLength(2)
  })
})
