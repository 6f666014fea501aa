import { describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import type { CanonicalResponse, CanonicalStreamEvent, FinishReason } from '../../../src/core/canonical.ts'
import { runTransducer } from '../../../src/core/transducer.ts'
import { encodeResponse } from '../../../src/dialects/openai-responses/encode-response.ts'
import { encodeStream, type EncodeStreamOptions } from '../../../src/dialects/openai-responses/encode-stream.ts'
import { unpackReasoningContent } from '../../../src/dialects/openai-responses/reasoning-content.ts'
import { encodeSseFrames } from '../../../src/translate/sse.ts'
import { rejectionOf } from '../../support/sdk-traffic.ts'

/*
 * The encoders' output read by the official openai SDK: its SSE parser, `ResponseStream` and the response
 * accumulator (which throws on an event for an item or part that does not exist), and `responses.create` for the
 * whole response. A pass means an OpenAI Responses client accepts the traffic.
 */

const key = 'D'.repeat(32)
const request = { model: 'claude-client-alias', input: 'What is the weather in Oslo and Lima?' }
const options: EncodeStreamOptions = {
  responseKey: key,
  createdAt: 1760000000,
  model: 'claude-client-alias',
  request,
  includeEncryptedReasoning: true,
  customToolNames: new Set(['apply_patch']),
}
const usage = { input: 12, cacheRead: 300, cacheWrite5m: 20, cacheWrite1h: 0, output: 90, reasoning: 30 }
const start: CanonicalStreamEvent = { type: 'message-start', id: 'msg_upstream', model: 'claude-sonnet-4' }
const finish = (unified: FinishReason['unified'], raw: string): CanonicalStreamEvent => ({ type: 'finish', reason: { unified, raw }, stopSequence: null })

/** An SDK client whose every request is answered with `body`. */
function clientAnswering(body: string, contentType: string): OpenAI {
  return new OpenAI({
    apiKey: 'x',
    baseURL: 'http://anvat.test/v1',
    maxRetries: 0,
    fetch: async () => new Response(body, { headers: { 'content-type': contentType } }),
  })
}

/** The SSE text a client receives for these canonical events. */
function sseOf(events: CanonicalStreamEvent[]): string {
  const frames = runTransducer(encodeStream(options), events)
  return Buffer.from(encodeSseFrames(frames)).toString('utf8')
}

/** What `client.responses.stream(…).finalResponse()` returns for the encoded stream. */
function sdkFinalResponse(events: CanonicalStreamEvent[]) {
  return clientAnswering(sseOf(events), 'text/event-stream').responses.stream(request).finalResponse()
}

const reasoningThenTwoCalls: CanonicalStreamEvent[] = [
  start,
  { type: 'reasoning-start', index: 0 },
  { type: 'reasoning-delta', index: 0, text: 'Two cities, ' },
  { type: 'reasoning-delta', index: 0, text: 'two calls.' },
  { type: 'reasoning-end', index: 0, signature: 'sig-abc' },
  { type: 'tool-call-start', index: 1, id: 'toolu_oslo', name: 'get_weather' },
  { type: 'tool-call-delta', index: 1, argumentsDelta: '{"city":' },
  { type: 'tool-call-delta', index: 1, argumentsDelta: '"Oslo"}' },
  { type: 'tool-call-end', index: 1 },
  { type: 'tool-call-start', index: 2, id: 'toolu_lima', name: 'get_weather' },
  { type: 'tool-call-delta', index: 2, argumentsDelta: '{"city":"Lima"}' },
  { type: 'tool-call-end', index: 2 },
  { type: 'usage', usage },
  finish('tool-calls', 'tool_use'),
]

describe('client.responses.stream(…).finalResponse() over the encoded stream', () => {
  test('text only: output_text, the message item and usage', async () => {
    const response = await sdkFinalResponse([
      start,
      { type: 'text-start', index: 0 },
      { type: 'text-delta', index: 0, text: 'Hello ' },
      { type: 'text-delta', index: 0, text: 'there ✓' },
      { type: 'text-end', index: 0 },
      { type: 'usage', usage },
      finish('stop', 'end_turn'),
    ])
    expect(response.id).toBe(`resp_${key}`)
    expect(response.model).toBe('claude-client-alias')
    expect(response.status).toBe('completed')
    expect(response.output_text).toBe('Hello there ✓')
    expect(response.output).toHaveLength(1)
    expect(response.output[0]).toMatchObject({ type: 'message', id: `msg_${key}_0`, status: 'completed', role: 'assistant' })
    expect(response.usage).toEqual({
      input_tokens: 332,
      input_tokens_details: { cached_tokens: 300, cache_write_tokens: 20 },
      output_tokens: 90,
      output_tokens_details: { reasoning_tokens: 30 },
      total_tokens: 422,
    })
  })

  test('reasoning + text: the summary and the packed thinking, then the answer', async () => {
    const response = await sdkFinalResponse([
      start,
      { type: 'reasoning-start', index: 0 },
      { type: 'reasoning-delta', index: 0, text: 'Short question.' },
      { type: 'reasoning-end', index: 0, signature: 'sig-1' },
      { type: 'text-start', index: 1 },
      { type: 'text-delta', index: 1, text: 'Sunny.' },
      { type: 'text-end', index: 1 },
      finish('stop', 'end_turn'),
    ])
    const [reasoning, message] = response.output
    expect(reasoning).toMatchObject({ type: 'reasoning', id: `rs_${key}_0`, summary: [{ type: 'summary_text', text: 'Short question.' }] })
    const encrypted = reasoning?.type === 'reasoning' ? reasoning.encrypted_content : undefined
    expect(unpackReasoningContent(encrypted ?? '')).toEqual({ type: 'reasoning', text: 'Short question.', signature: 'sig-1' })
    expect(message).toMatchObject({ type: 'message', id: `msg_${key}_1` })
    expect(response.output_text).toBe('Sunny.')
  })

  test('reasoning + two parallel tool calls: two function_call items with whole arguments and the call ids', async () => {
    const response = await sdkFinalResponse(reasoningThenTwoCalls)
    expect(response.status).toBe('completed')
    const calls = response.output.filter((item) => item.type === 'function_call')
    expect(calls.map((call) => [call.id, call.call_id, call.name, JSON.parse(call.arguments)])).toEqual([
      [`fc_${key}_1`, 'toolu_oslo', 'get_weather', { city: 'Oslo' }],
      [`fc_${key}_2`, 'toolu_lima', 'get_weather', { city: 'Lima' }],
    ])
    expect(response.output_text).toBe('')
  })

  test('redacted thinking: a reasoning item with an empty summary and the data packed', async () => {
    const response = await sdkFinalResponse([
      start,
      { type: 'reasoning-start', index: 0, redactedData: 'EqQBCkYIBxgCKkA' },
      { type: 'reasoning-end', index: 0 },
      { type: 'text-delta', index: 1, text: 'Fine.' },
      finish('stop', 'end_turn'),
    ])
    const [reasoning] = response.output
    expect(reasoning).toMatchObject({ type: 'reasoning', summary: [] })
    const encrypted = reasoning?.type === 'reasoning' ? reasoning.encrypted_content : undefined
    expect(unpackReasoningContent(encrypted ?? '')).toEqual({ type: 'redacted-reasoning', data: 'EqQBCkYIBxgCKkA' })
    expect(response.output_text).toBe('Fine.')
  })

  test('custom tool: a custom_tool_call whose input is the unwrapped freeform text', async () => {
    const response = await sdkFinalResponse([
      start,
      { type: 'tool-call-start', index: 0, id: 'toolu_patch', name: 'apply_patch' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"input":"*** Begin Patch\\n' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '*** End Patch"}' },
      { type: 'tool-call-end', index: 0 },
      finish('tool-calls', 'tool_use'),
    ])
    expect(response.output as unknown).toEqual([
      { id: `ctc_${key}_0`, type: 'custom_tool_call', status: 'completed', call_id: 'toolu_patch', input: '*** Begin Patch\n*** End Patch', name: 'apply_patch' },
    ])
  })

  test('max tokens: status incomplete with max_output_tokens, the text so far kept', async () => {
    const response = await sdkFinalResponse([start, { type: 'text-delta', index: 0, text: 'The answer is' }, finish('length', 'max_tokens')])
    expect(response.status).toBe('incomplete')
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' })
    expect(response.output_text).toBe('The answer is')
  })

  // ResponseStream emits each event under its own type, and `error` is its error channel: the event's payload
  // becomes the rejection of finalResponse(), as it does for the real API's in-stream errors.
  test('edge 27: a cut stream makes the SDK reject with the error event, never return a partial response', async () => {
    const rejection = await rejectionOf(sdkFinalResponse([start, { type: 'text-delta', index: 0, text: 'Half an' }]))
    expect(rejection).toMatchObject({ type: 'error', code: 'server_error', message: 'The upstream stream ended before it finished' })
  })

  test('an error mid-stream: the SDK rejects with its code and message; response.failed follows on the wire', async () => {
    const body = sseOf([start, { type: 'text-delta', index: 0, text: 'Half' }, { type: 'error', error: { status: 429, type: 'rate_limit_error', message: 'Slow down' } }])
    const rejection = await rejectionOf(clientAnswering(body, 'text/event-stream').responses.stream(request).finalResponse())
    expect(rejection).toMatchObject({ type: 'error', code: 'rate_limit_exceeded', message: 'Slow down', param: null })
    const failed = JSON.parse(body.trimEnd().split('\n').at(-1)?.slice('data: '.length) ?? '{}')
    expect(failed).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'rate_limit_exceeded', message: 'Slow down' } } })
  })

  test('response.failed alone (no error event before it) is still read as a failed response', async () => {
    const frames = sseOf([start, { type: 'error', error: { status: 500, type: 'api_error', message: 'Boom' } }]).split('\n\n').filter((frame) => !frame.startsWith('event: error'))
    const response = await clientAnswering(frames.join('\n\n'), 'text/event-stream').responses.stream(request).finalResponse()
    expect(response.status).toBe('failed')
    expect(response.error).toEqual({ code: 'server_error', message: 'Boom' } as never)
  })
})

describe('client.responses.create(…) over the encoded whole response', () => {
  const canonical = (content: CanonicalResponse['content'], unified: FinishReason['unified']): CanonicalResponse => ({
    id: 'msg_upstream',
    model: 'claude-sonnet-4',
    content,
    finish: { unified, raw: unified },
    stopSequence: null,
    usage,
  })
  const create = (response: CanonicalResponse) =>
    clientAnswering(JSON.stringify(encodeResponse(response, options)), 'application/json').responses.create({ ...request, stream: false })

  test('reasoning, text and two calls: the SDK reads output_text, items and usage', async () => {
    const response = await create(
      canonical(
        [
          { type: 'reasoning', text: 'Plan.', signature: 'sig-2' },
          { type: 'text', text: 'Checking ' },
          { type: 'text', text: 'both.' },
          { type: 'tool-call', id: 'toolu_oslo', name: 'get_weather', arguments: '{"city":"Oslo"}' },
          { type: 'tool-call', id: 'toolu_lima', name: 'get_weather', arguments: '{"city":"Lima"}' },
        ],
        'tool-calls',
      ),
    )
    expect(response.status).toBe('completed')
    expect(response.output_text).toBe('Checking both.')
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message', 'function_call', 'function_call'])
    expect(response.output.flatMap((item) => (item.type === 'function_call' ? [item.call_id] : []))).toEqual(['toolu_oslo', 'toolu_lima'])
    expect(response.usage?.input_tokens).toBe(332)
  })

  test('max tokens: incomplete', async () => {
    const response = await create(canonical([{ type: 'text', text: 'Cut' }], 'length'))
    expect(response.status).toBe('incomplete')
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' })
  })

  test('stream and whole response agree once the SDK has read both', async () => {
    const content: CanonicalResponse['content'] = [
      { type: 'reasoning', text: 'Two cities, two calls.', signature: 'sig-abc' },
      { type: 'tool-call', id: 'toolu_oslo', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { type: 'tool-call', id: 'toolu_lima', name: 'get_weather', arguments: '{"city":"Lima"}' },
    ]
    const streamed = await sdkFinalResponse(reasoningThenTwoCalls)
    const whole = await create(canonical(content, 'tool-calls'))
    // finalResponse() also parses: it adds `parsed_arguments` and `output_parsed`, which create() does not.
    const { output_parsed: _parsed, ...streamedRest } = streamed
    const streamedOutput = streamed.output.map((item) => ('parsed_arguments' in item ? (({ parsed_arguments: _arguments, ...rest }) => rest)(item) : item))
    expect(JSON.parse(JSON.stringify({ ...streamedRest, output: streamedOutput }))).toEqual(JSON.parse(JSON.stringify(whole)))
  })
})
