import { describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import type { CanonicalStreamEvent } from '../../../src/core/canonical.ts'
import { encodeStream, type EncodeStreamOptions, type OpenAIChatStreamFrame } from '../../../src/dialects/openai-chat/encode-stream.ts'
import { encodeSseFrames } from '../../../src/translate/sse.ts'
import { runTransducer } from '../../../src/core/transducer.ts'
import { azurePromptFilterChunk, chatChunk, chatStreamBody, decodeChatStream, toolCallDelta, usageChunk } from '../../support/builders/openai-chat-stream.ts'
import { readFixture } from '../../support/fixtures.ts'

const options: EncodeStreamOptions = { id: 'chatcmpl-anvat1', created: 1760000000, model: 'claude-sonnet', includeUsage: false, toolNames: {} }
const usage = { input: 10, cacheRead: 100, cacheWrite5m: 0, cacheWrite1h: 0, output: 40, reasoning: 0 }
const stop = { type: 'finish', reason: { unified: 'stop', raw: 'end_turn' }, stopSequence: null } as const

const encode = (events: CanonicalStreamEvent[], overrides: Partial<EncodeStreamOptions> = {}) => runTransducer(encodeStream({ ...options, ...overrides }), events)
const chunksOf = (frames: OpenAIChatStreamFrame[]) => frames.filter((frame) => frame.data !== '[DONE]').map((frame) => JSON.parse(frame.data))

/** The bytes as a client receives them, accumulated by the official SDK's ChatCompletionStream, which throws on malformed streams. */
async function accumulate(body: Uint8Array | string) {
  const client = new OpenAI({
    apiKey: 'test-key',
    baseURL: 'http://anvat.test/v1',
    maxRetries: 0,
    fetch: async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
  })
  const stream = client.chat.completions.stream({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'Hi' }], stream_options: { include_usage: true } })
  return stream.finalChatCompletion()
}

const bytesOf = (frames: OpenAIChatStreamFrame[]) => Buffer.from(encodeSseFrames(frames))

const textEvents: CanonicalStreamEvent[] = [
  { type: 'message-start', id: 'msg_1', model: 'claude-sonnet-4' },
  { type: 'text-start', index: 0 },
  { type: 'text-delta', index: 0, text: 'Hello' },
  { type: 'text-delta', index: 0, text: '' },
  { type: 'text-delta', index: 0, text: ' world' },
  { type: 'text-end', index: 0 },
  { type: 'usage', usage },
  stop,
]

describe('exact chunks (WIRE §2.7)', () => {
  test('role chunk, text deltas, finish chunk, [DONE]; no usage keys when the client did not ask', () => {
    const frames = encode(textEvents)
    const envelope = { id: 'chatcmpl-anvat1', object: 'chat.completion.chunk', created: 1760000000, model: 'claude-sonnet' }
    expect(chunksOf(frames)).toEqual([
      { ...envelope, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: { content: 'Hello' }, logprobs: null, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: { content: ' world' }, logprobs: null, finish_reason: null }] },
      { ...envelope, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] },
    ])
    expect(frames.at(-1)).toEqual({ data: '[DONE]' })
  })

  test('include_usage: "usage": null on every chunk, then the usage chunk with choices:[] before [DONE]', () => {
    const frames = encode(textEvents, { includeUsage: true })
    const chunks = chunksOf(frames)
    expect(chunks.slice(0, -1).every((chunk) => 'usage' in chunk && chunk.usage === null)).toBe(true)
    expect(chunks.at(-1)).toEqual({
      id: 'chatcmpl-anvat1',
      object: 'chat.completion.chunk',
      created: 1760000000,
      model: 'claude-sonnet',
      choices: [],
      usage: { prompt_tokens: 110, completion_tokens: 40, total_tokens: 150, prompt_tokens_details: { cached_tokens: 100 }, completion_tokens_details: { reasoning_tokens: 0 } },
    })
    expect(frames.at(-1)).toEqual({ data: '[DONE]' })
  })

  test('edge 26: tool call index is the ordinal among tool calls, not the block index; empty fragments are skipped', () => {
    const frames = encode([
      { type: 'message-start', id: 'msg_1', model: 'm' },
      { type: 'reasoning-start', index: 0 },
      { type: 'reasoning-delta', index: 0, text: 'Plan' },
      { type: 'reasoning-end', index: 0, signature: 'sig' },
      { type: 'text-start', index: 1 },
      { type: 'text-delta', index: 1, text: 'Calling.' },
      { type: 'text-end', index: 1 },
      { type: 'tool-call-start', index: 2, id: 'toolu_a', name: 'f' },
      { type: 'tool-call-delta', index: 2, argumentsDelta: '' },
      { type: 'tool-call-delta', index: 2, argumentsDelta: '{"a":1}' },
      { type: 'tool-call-end', index: 2 },
      { type: 'tool-call-start', index: 3, id: 'toolu_b', name: 'g' },
      { type: 'tool-call-delta', index: 3, argumentsDelta: '{}' },
      { type: 'tool-call-end', index: 3 },
      { type: 'finish', reason: { unified: 'tool-calls', raw: 'tool_use' }, stopSequence: null },
    ])
    const deltas = chunksOf(frames).map((chunk) => chunk.choices[0]?.delta)
    expect(deltas.slice(2, 6)).toEqual([
      { tool_calls: [{ index: 0, id: 'toolu_a', type: 'function', function: { name: 'f', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] },
      { tool_calls: [{ index: 1, id: 'toolu_b', type: 'function', function: { name: 'g', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{}' } }] },
    ])
    expect(chunksOf(frames).at(-1)?.choices[0]?.finish_reason).toBe('tool_calls')
  })

  test('reasoning is dropped unless reasoning_content is enabled', () => {
    const events: CanonicalStreamEvent[] = [{ type: 'message-start', id: 'msg_1', model: 'm' }, { type: 'reasoning-start', index: 0 }, { type: 'reasoning-delta', index: 0, text: 'Plan' }, { type: 'reasoning-end', index: 0 }, stop]
    expect(encode(events)).toHaveLength(3)
    expect(chunksOf(encode(events, { reasoningContent: true }))[1]?.choices[0]?.delta).toEqual({ reasoning_content: 'Plan' })
  })

  test('edge 15: tool calls go back under the names the client declared', () => {
    const frames = encode([{ type: 'message-start', id: 'msg_1', model: 'm' }, { type: 'tool-call-start', index: 0, id: 'call_1', name: 'files_read_0123456789' }, stop], { toolNames: { files_read_0123456789: 'files.read' } })
    expect(chunksOf(frames)[1]?.choices[0]?.delta.tool_calls[0].function.name).toBe('files.read')
  })

  test('an error is one error chunk and nothing more: no [DONE]', () => {
    const frames = encode([textEvents[0] as CanonicalStreamEvent, { type: 'error', error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } }, stop])
    expect(frames.at(-1)).toEqual({ data: JSON.stringify({ error: { message: 'Overloaded', type: 'server_error', param: null, code: 'server_error' } }) })
    expect(frames).toHaveLength(2)
  })

  test('edge 27: input that ends without a finish ends in an error chunk, never a clean [DONE]', () => {
    const frames = encode(textEvents.slice(0, 3))
    expect(JSON.parse(frames.at(-1)?.data ?? '')).toEqual({ error: { message: 'The upstream stream ended before it finished', type: 'server_error', param: null, code: 'server_error' } })
  })
})

describe('the official openai SDK accumulates what the encoder writes', () => {
  test('text with usage', async () => {
    const completion = await accumulate(bytesOf(encode(textEvents, { includeUsage: true })))
    expect(completion.choices[0]?.message.content).toBe('Hello world')
    expect(completion.choices[0]?.finish_reason).toBe('stop')
    expect(completion.usage?.prompt_tokens).toBe(110)
  })

  test('edge 5: parallel calls from an interleaved, index-0-for-every-call upstream come out as well-formed calls', async () => {
    const upstream = chatStreamBody([
      chatChunk(toolCallDelta(0, { id: 'call_a', name: 'get_weather', arguments: '{"city":' })),
      chatChunk(toolCallDelta(1, { id: 'call_b', name: 'get_time', arguments: '' })),
      chatChunk(toolCallDelta(0, { arguments: '"Paris"}' })),
      chatChunk(toolCallDelta(0, { id: 'call_c', name: 'get_weather', arguments: '{"city":"Oslo"}' })),
      chatChunk({}, 'stop'),
      usageChunk(),
    ])
    const completion = await accumulate(bytesOf(encode(decodeChatStream(upstream, 7))))
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls')
    expect(completion.choices[0]?.message.tool_calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } },
      { id: 'call_c', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
    ])
  })

  test('edge 18: an Azure stream (opening choices:[] chunk) decodes and re-encodes to a completion the SDK accepts', async () => {
    const upstream = chatStreamBody([azurePromptFilterChunk, chatChunk({ role: 'assistant', content: '' }), chatChunk({ content: 'Hi' }), chatChunk({}, 'stop')])
    const completion = await accumulate(bytesOf(encode(decodeChatStream(upstream, 1))))
    expect(completion.choices[0]?.message.content).toBe('Hi')
  })

  test('an error chunk makes the SDK throw', async () => {
    const frames = encode([textEvents[0] as CanonicalStreamEvent, textEvents[2] as CanonicalStreamEvent, { type: 'error', error: { status: 500, type: 'provider_error', message: 'Upstream failed' } }])
    await expect(accumulate(bytesOf(frames))).rejects.toThrow('Upstream failed')
  })

  for (const name of ['text', 'tool-calls']) {
    test(`${name}.stream.sse decoded and re-encoded accumulates to the same completion as the recorded bytes`, async () => {
      const recorded = await readFixture(`upstream/openai-chat/${name}.stream.sse`)
      const direct = await accumulate(recorded)
      const frames = runTransducer(encodeStream({ ...options, id: direct.id, created: direct.created, model: direct.model, includeUsage: true }), decodeChatStream(recorded, 7))
      const translated = await accumulate(bytesOf(frames))
      expect(translated.choices).toEqual(direct.choices)
      expect<unknown>(translated.usage).toEqual({
        prompt_tokens: direct.usage?.prompt_tokens,
        completion_tokens: direct.usage?.completion_tokens,
        total_tokens: direct.usage?.total_tokens,
        prompt_tokens_details: { cached_tokens: direct.usage?.prompt_tokens_details?.cached_tokens },
        completion_tokens_details: { reasoning_tokens: direct.usage?.completion_tokens_details?.reasoning_tokens },
      })
    })
  }

  test('cut.stream.sse decoded and re-encoded makes the SDK throw', async () => {
    const recorded = await readFixture('upstream/openai-chat/cut.stream.sse')
    const frames = runTransducer(encodeStream(options), decodeChatStream(recorded, 1))
    await expect(accumulate(bytesOf(frames))).rejects.toThrow('ended before it finished')
  })
})
