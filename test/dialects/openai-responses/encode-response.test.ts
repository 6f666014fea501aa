import { describe, expect, test } from 'bun:test'
import type { CanonicalResponse, ContentPart, FinishReason } from '../../../src/core/canonical.ts'
import { encodeResponse, type EncodeResponseOptions } from '../../../src/dialects/openai-responses/encode-response.ts'
import { responseIdOfItem } from '../../../src/dialects/openai-responses/item-id.ts'
import { unpackReasoningContent } from '../../../src/dialects/openai-responses/reasoning-content.ts'

const key = 'K'.repeat(32)
const options: EncodeResponseOptions = {
  responseKey: key,
  createdAt: 1760000000,
  model: 'claude-client-alias',
  request: { model: 'claude-client-alias', input: 'Hi' },
  includeEncryptedReasoning: false,
  customToolNames: new Set(),
}
const usage = { input: 10, cacheRead: 100, cacheWrite5m: 5, cacheWrite1h: 0, output: 40, reasoning: 12 }
const stop: FinishReason = { unified: 'stop', raw: 'end_turn' }

const response = (content: ContentPart[], finish: FinishReason = stop): CanonicalResponse => ({
  id: 'msg_upstream',
  model: 'claude-sonnet-4',
  content,
  finish,
  stopSequence: null,
  usage,
})
const encode = (content: ContentPart[], overrides: Partial<EncodeResponseOptions> = {}, finish?: FinishReason) =>
  encodeResponse(response(content, finish), { ...options, ...overrides })

describe('the response object (WIRE §1.4, §3.2)', () => {
  test('text only: the exact object, request parameters echoed with the API defaults, no output_text key', () => {
    expect(encode([{ type: 'text', text: 'Hello.' }])).toEqual({
      id: `resp_${key}`,
      object: 'response',
      created_at: 1760000000,
      status: 'completed',
      background: false,
      error: null,
      incomplete_details: null,
      instructions: null,
      max_output_tokens: null,
      max_tool_calls: null,
      model: 'claude-client-alias',
      output: [
        {
          id: `msg_${key}_0`,
          type: 'message',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Hello.', annotations: [], logprobs: [] }],
          role: 'assistant',
        },
      ],
      parallel_tool_calls: true,
      previous_response_id: null,
      prompt_cache_key: null,
      reasoning: { effort: null, summary: null },
      safety_identifier: null,
      service_tier: 'default',
      store: true,
      temperature: 1,
      text: { format: { type: 'text' }, verbosity: 'medium' },
      tool_choice: 'auto',
      tools: [],
      top_logprobs: 0,
      top_p: 1,
      truncation: 'disabled',
      usage: {
        input_tokens: 115,
        input_tokens_details: { cached_tokens: 100, cache_write_tokens: 5 },
        output_tokens: 40,
        output_tokens_details: { reasoning_tokens: 12 },
        total_tokens: 155,
      },
      user: null,
      metadata: {},
    })
  })

  test('the parameters the client sent come back as sent', () => {
    const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object' }, strict: true }]
    const format = { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true }
    const request = {
      model: 'claude-client-alias',
      instructions: 'Be brief.',
      max_output_tokens: 2048,
      parallel_tool_calls: false,
      previous_response_id: 'resp_previous',
      prompt_cache_key: 'cache-key',
      reasoning: { effort: 'high', summary: 'auto' },
      safety_identifier: 'user-hash',
      store: false,
      temperature: 0.2,
      text: { format, verbosity: 'low' },
      tool_choice: 'required',
      tools,
      top_p: 0.9,
      truncation: 'auto',
      user: 'legacy-user',
      metadata: { ticket: '42' },
      background: true,
    }
    expect(encode([{ type: 'text', text: 'ok' }], { request })).toMatchObject({
      instructions: 'Be brief.',
      max_output_tokens: 2048,
      parallel_tool_calls: false,
      previous_response_id: 'resp_previous',
      prompt_cache_key: 'cache-key',
      reasoning: { effort: 'high', summary: 'auto' },
      safety_identifier: 'user-hash',
      store: false,
      temperature: 0.2,
      text: { format, verbosity: 'low' },
      tool_choice: 'required',
      tools,
      top_p: 0.9,
      truncation: 'auto',
      user: 'legacy-user',
      metadata: { ticket: '42' },
      // Anvat never runs a response in the background, whatever was asked.
      background: false,
    })
  })
})

describe('output items in canonical order', () => {
  const reasoningAndCalls: ContentPart[] = [
    { type: 'reasoning', text: 'Two cities.', signature: 'sig-1' },
    { type: 'text', text: 'Checking both.' },
    { type: 'tool-call', id: 'toolu_a', name: 'get_weather', arguments: '{"city":"Oslo"}' },
    { type: 'tool-call', id: 'toolu_b', name: 'get_weather', arguments: '{"city":"Lima"}' },
  ]

  test('reasoning → reasoning item, text → message, tool calls → function_call with the call id unchanged', () => {
    const encoded = encode(reasoningAndCalls, {}, { unified: 'tool-calls', raw: 'tool_use' })
    expect(encoded.status).toBe('completed')
    expect(encoded.output).toEqual([
      { id: `rs_${key}_0`, type: 'reasoning', summary: [{ type: 'summary_text', text: 'Two cities.' }] },
      { id: `msg_${key}_1`, type: 'message', status: 'completed', content: [{ type: 'output_text', text: 'Checking both.', annotations: [], logprobs: [] }], role: 'assistant' },
      { id: `fc_${key}_2`, type: 'function_call', status: 'completed', arguments: '{"city":"Oslo"}', call_id: 'toolu_a', name: 'get_weather' },
      { id: `fc_${key}_3`, type: 'function_call', status: 'completed', arguments: '{"city":"Lima"}', call_id: 'toolu_b', name: 'get_weather' },
    ])
    // Every item id leads back to the response it belongs to.
    for (const item of encoded.output) expect(responseIdOfItem(item.id)).toBe(encoded.id)
  })

  test('encrypted_content only when asked for, and it unpacks to the exact thinking block', () => {
    const plain = encode(reasoningAndCalls).output[0]
    expect(plain).not.toHaveProperty('encrypted_content')
    const packed = encode(reasoningAndCalls, { includeEncryptedReasoning: true }).output[0]
    expect(packed?.type).toBe('reasoning')
    const encrypted = packed?.type === 'reasoning' ? packed.encrypted_content : undefined
    expect(unpackReasoningContent(encrypted ?? '')).toEqual({ type: 'reasoning', text: 'Two cities.', signature: 'sig-1' })
  })

  test('thinking with no text keeps its item, with an empty summary and its signature packed', () => {
    const [item] = encode([{ type: 'reasoning', text: '', signature: 'sig-omitted' }], { includeEncryptedReasoning: true }).output
    expect(item).toMatchObject({ type: 'reasoning', summary: [] })
    const encrypted = item?.type === 'reasoning' ? item.encrypted_content : undefined
    expect(unpackReasoningContent(encrypted ?? '')).toEqual({ type: 'reasoning', text: '', signature: 'sig-omitted' })
  })

  test('redacted thinking: an empty summary and the data packed', () => {
    const [item] = encode([{ type: 'redacted-reasoning', data: 'opaque==' }, { type: 'text', text: 'Hi' }], { includeEncryptedReasoning: true }).output
    expect(item).toMatchObject({ id: `rs_${key}_0`, type: 'reasoning', summary: [] })
    const encrypted = item?.type === 'reasoning' ? item.encrypted_content : undefined
    expect(unpackReasoningContent(encrypted ?? '')).toEqual({ type: 'redacted-reasoning', data: 'opaque==' })
  })

  test('a run of text parts is one message with one output_text part each; empty parts are left out', () => {
    const output = encode([
      { type: 'text', text: 'According to the source, ' },
      { type: 'text', text: '' },
      { type: 'text', text: 'it rains.' },
      { type: 'tool-call', id: 'toolu_c', name: 'lookup', arguments: '{}' },
      { type: 'text', text: 'Done.' },
    ]).output
    expect(output.map((item) => item.type)).toEqual(['message', 'function_call', 'message'])
    const texts = output.map((item) => (item.type === 'message' ? item.content.map((part) => part.text) : []))
    expect(texts).toEqual([['According to the source, ', 'it rains.'], [], ['Done.']])
  })

  test('only empty text: no message item at all', () => {
    expect(encode([{ type: 'text', text: '' }]).output).toEqual([])
  })

  test('edge 21: a call without arguments gets {}, leading whitespace is dropped', () => {
    const output = encode([
      { type: 'tool-call', id: 'toolu_e', name: 'list_files', arguments: '' },
      { type: 'tool-call', id: 'toolu_f', name: 'list_files', arguments: ' \n{"path":"/"}' },
    ]).output
    expect(output.map((item) => (item.type === 'function_call' ? item.arguments : undefined))).toEqual(['{}', '{"path":"/"}'])
  })

  test('custom tools: a custom_tool_call whose input is the string inside {"input": …}', () => {
    const [item, other] = encode(
      [
        { type: 'tool-call', id: 'toolu_p', name: 'apply_patch', arguments: '{"input":"*** Begin Patch\\n*** End Patch"}' },
        { type: 'tool-call', id: 'toolu_q', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      ],
      { customToolNames: new Set(['apply_patch']) },
    ).output
    expect(item).toEqual({ id: `ctc_${key}_0`, type: 'custom_tool_call', status: 'completed', call_id: 'toolu_p', input: '*** Begin Patch\n*** End Patch', name: 'apply_patch' })
    expect(other?.type).toBe('function_call')
  })

  test('custom tools: arguments that are not the {"input"} wrapper are passed on as the input', () => {
    const [item] = encode([{ type: 'tool-call', id: 'toolu_p', name: 'apply_patch', arguments: '{"patch":1}' }], { customToolNames: new Set(['apply_patch']) }).output
    expect(item).toMatchObject({ type: 'custom_tool_call', input: '{"patch":1}' })
  })
})

describe('status per WIRE §2.5', () => {
  test('max tokens: incomplete (max_output_tokens), and the message it was cut off in is incomplete', () => {
    const encoded = encode([{ type: 'text', text: 'Half an ans' }], {}, { unified: 'length', raw: 'max_tokens' })
    expect(encoded.status).toBe('incomplete')
    expect(encoded.incomplete_details).toEqual({ reason: 'max_output_tokens' })
    expect(encoded.output[0]).toMatchObject({ type: 'message', status: 'incomplete' })
  })

  test('refusal: incomplete (content_filter)', () => {
    const encoded = encode([{ type: 'text', text: 'I cannot' }], {}, { unified: 'content-filter', raw: 'refusal' })
    expect(encoded).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' }, error: null })
  })

  test('an error finish: failed, with a server_error', () => {
    const encoded = encode([], {}, { unified: 'error', raw: 'error' })
    expect(encoded).toMatchObject({ status: 'failed', incomplete_details: null, error: { code: 'server_error' } })
  })
})
