import { describe, expect, test } from 'bun:test'
import type { CanonicalStreamEvent } from '../../../src/core/canonical.ts'
import { decodeStream } from '../../../src/dialects/anthropic/decode-stream.ts'
import { encodeStream } from '../../../src/dialects/anthropic/encode-stream.ts'
import { runTransducer } from '../../../src/core/transducer.ts'
import { readFixture } from '../../support/fixtures.ts'
import { rejectionOf } from '../../support/sdk-traffic.ts'
import { bytesOf, checkEventOrder, framesOf, sdkFinalMessage, streamFixtures } from './stream-support.ts'

/*
 * The stream encoder's output read by the official @anthropic-ai/sdk (its SSE parser and MessageStream accumulator),
 * so a pass means an Anthropic client accepts the traffic; and decode ∘ encode over every recorded stream.
 */

const options = { id: 'msg_anvat01', model: 'claude-client-alias', inputTokensEstimate: 321 }
const encodeBytes = (events: CanonicalStreamEvent[]) => {
  const frames = runTransducer(encodeStream(options), events)
  checkEventOrder(frames)
  return bytesOf(frames)
}
const start: CanonicalStreamEvent = { type: 'message-start', id: 'chatcmpl-1', model: 'gpt-upstream' }

describe('decode ∘ encode over every recorded Anthropic stream, read by the SDK', () => {
  const complete = streamFixtures.filter((name) => name !== 'cut' && name !== 'error-midstream')
  for (const name of complete) {
    test(`${name}: the SDK accumulates the same message from the recording and from the re-encoded stream`, async () => {
      const recorded = await readFixture(`upstream/anthropic/${name}.stream.sse`)
      const frames = runTransducer(encodeStream(options), runTransducer(decodeStream, framesOf(recorded, 7)))
      checkEventOrder(frames)
      const original = await sdkFinalMessage(new TextEncoder().encode(recorded))
      const reencoded = await sdkFinalMessage(bytesOf(frames))
      expect(reencoded.id).toBe(options.id)
      expect(reencoded.model).toBe(options.model)
      expect(reencoded.content).toEqual(original.content)
      expect(reencoded.stop_reason).toBe(original.stop_reason)
      expect(reencoded.stop_sequence).toBe(original.stop_sequence)
      const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens } = original.usage
      expect(reencoded.usage).toMatchObject({ input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens })
    })
  }

  for (const name of ['cut', 'error-midstream']) {
    test(`${name}: the re-encoded stream makes the SDK throw instead of returning a partial message`, async () => {
      const recorded = await readFixture(`upstream/anthropic/${name}.stream.sse`)
      const frames = runTransducer(encodeStream(options), runTransducer(decodeStream, framesOf(recorded, 64)))
      checkEventOrder(frames)
      expect(frames.at(-1)?.event).toBe('error')
      const error = await rejectionOf(sdkFinalMessage(bytesOf(frames)))
      expect(String(error)).toContain(name === 'cut' ? 'ended before it finished' : 'Overloaded')
    })
  }
})

describe('encodeStream output read by the SDK', () => {
  test('thinking, text and tool calls: the SDK rebuilds each block, signature and tool input', async () => {
    const message = await sdkFinalMessage(
      encodeBytes([
        start,
        { type: 'reasoning-start', index: 0 },
        { type: 'reasoning-delta', index: 0, text: 'Need the weather.' },
        { type: 'reasoning-end', index: 0, signature: 'anvat-v1:e30' },
        { type: 'text-start', index: 1 },
        { type: 'text-delta', index: 1, text: 'Checking.' },
        { type: 'text-end', index: 1 },
        { type: 'tool-call-start', index: 2, id: 'call_x', name: 'get_weather' },
        { type: 'tool-call-delta', index: 2, argumentsDelta: '{"city":"Oslo"}' },
        { type: 'tool-call-end', index: 2 },
        { type: 'finish', reason: { unified: 'tool-calls', raw: 'tool_calls' }, stopSequence: null },
      ]),
    )
    expect(message.content as unknown).toEqual([
      { type: 'thinking', thinking: 'Need the weather.', signature: 'anvat-v1:e30' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_x', name: 'get_weather', input: { city: 'Oslo' } },
    ])
    expect(message.stop_reason).toBe('tool_use')
  })

  test('interleaved tool calls: the SDK sees two whole inputs (edge 5)', async () => {
    const message = await sdkFinalMessage(
      encodeBytes([
        start,
        { type: 'tool-call-start', index: 0, id: 'call_a', name: 'a' },
        { type: 'tool-call-start', index: 1, id: 'call_b', name: 'b' },
        { type: 'tool-call-delta', index: 1, argumentsDelta: '{"y":' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{"x":' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '1}' },
        { type: 'tool-call-delta', index: 1, argumentsDelta: '2}' },
        { type: 'finish', reason: { unified: 'stop', raw: 'stop' }, stopSequence: null },
      ]),
    )
    expect(message.content as unknown).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'a', input: { x: 1 } },
      { type: 'tool_use', id: 'call_b', name: 'b', input: { y: 2 } },
    ])
    expect(message.stop_reason).toBe('tool_use')
  })

  test('a tool call with empty arguments reaches the SDK as input {} (edge 21)', async () => {
    const message = await sdkFinalMessage(
      encodeBytes([
        start,
        { type: 'tool-call-start', index: 0, id: 'call_e', name: 'list_files' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '  ' },
        { type: 'tool-call-end', index: 0 },
        { type: 'finish', reason: { unified: 'tool-calls', raw: 'tool_calls' }, stopSequence: null },
      ]),
    )
    expect(message.content as unknown).toEqual([{ type: 'tool_use', id: 'call_e', name: 'list_files', input: {} }])
  })

  test('an error mid-stream makes the SDK throw with the message and type (edge 25)', async () => {
    const bytes = encodeBytes([
      start,
      { type: 'text-delta', index: 0, text: 'Half an answer' },
      { type: 'error', error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } },
    ])
    const error = (await rejectionOf(sdkFinalMessage(bytes))) as { error?: { error?: { type?: string } } }
    expect(String(error)).toContain('Overloaded')
    expect(error.error?.error?.type).toBe('overloaded_error')
  })

  test('usage reported during the stream is what the SDK ends with', async () => {
    const message = await sdkFinalMessage(
      encodeBytes([
        start,
        { type: 'text-delta', index: 0, text: 'Hi' },
        { type: 'usage', usage: { input: 40, cacheRead: 1000, cacheWrite5m: 30, cacheWrite1h: 0, output: 9, reasoning: 0 } },
        { type: 'finish', reason: { unified: 'stop', raw: 'stop' }, stopSequence: null },
      ]),
    )
    expect(message.usage).toMatchObject({ input_tokens: 40, cache_creation_input_tokens: 30, cache_read_input_tokens: 1000, output_tokens: 9 })
  })
})
