import { describe, expect, test } from 'bun:test'
import type { CanonicalRequest } from '../../../src/core/canonical.ts'
import { decodeRequest, type DecodeRequestResult } from '../../../src/dialects/openai-chat/decode-request.ts'
import type { OpenAIChatCompletionCreateParams } from '../../../src/dialects/openai-chat/schema.ts'

const messages = [{ role: 'user', content: 'Hi' }]

/** Decodes a body (the route's schema has already checked its envelope) and expects it to translate. */
function decoded(fields: Record<string, unknown>): { request: CanonicalRequest; warnings: Array<{ code: string; message: string }> } {
  const result = decodeRequest({ model: 'claude-sonnet', messages, ...fields } as OpenAIChatCompletionCreateParams)
  if ('error' in result) throw new Error(`expected a request, got ${JSON.stringify(result.error)}`)
  return result
}

function failure(fields: Record<string, unknown>): DecodeRequestResult {
  return decodeRequest({ model: 'claude-sonnet', messages, ...fields } as OpenAIChatCompletionCreateParams)
}

describe('scalars', () => {
  test('a minimal request', () => {
    expect(decoded({}).request).toEqual({
      model: 'claude-sonnet',
      system: [],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      tools: [],
      stream: false,
      vendor: { openaiChat: {} },
    })
  })

  test('edge 13: max_completion_tokens wins over max_tokens; with neither, the target encoder picks a default', () => {
    expect(decoded({ max_completion_tokens: 900, max_tokens: 100 }).request.maxOutputTokens).toBe(900)
    expect(decoded({ max_tokens: 100 }).request.maxOutputTokens).toBe(100)
    expect(decoded({ max_completion_tokens: null, max_tokens: 100 }).request.maxOutputTokens).toBe(100)
    expect(decoded({}).request.maxOutputTokens).toBeUndefined()
  })

  test('temperature, top_p and stop (a string or a list)', () => {
    const { request } = decoded({ temperature: 0.2, top_p: 0.9, stop: 'END' })
    expect([request.temperature, request.topP, request.stopSequences]).toEqual([0.2, 0.9, ['END']])
    expect(decoded({ stop: ['a', 'b'] }).request.stopSequences).toEqual(['a', 'b'])
  })

  test('stream and stream_options.include_usage are kept in vendor.openaiChat for the response encoder', () => {
    expect(decoded({ stream: true, stream_options: { include_usage: true } }).request).toMatchObject({ stream: true, vendor: { openaiChat: { includeUsage: true } } })
    expect(decoded({ stream: true }).request.vendor.openaiChat).toEqual({ includeUsage: false })
  })

  test('n > 1 is refused, naming n; n = 1 is fine', () => {
    expect(failure({ n: 2 })).toEqual({ error: { param: 'n', message: 'n > 1 cannot be translated: this model returns one choice' } })
    expect('request' in failure({ n: 1 })).toBe(true)
  })

  test('seed, logit_bias, penalties and logprobs are dropped, each with a warning', () => {
    const { request, warnings } = decoded({ seed: 7, logit_bias: { '50256': -100 }, frequency_penalty: 0.5, presence_penalty: 0.1, logprobs: true, top_logprobs: 2 })
    expect(warnings.map((warning) => warning.message.split(':')[0])).toEqual(['seed', 'logit_bias', 'frequency_penalty', 'presence_penalty', 'logprobs', 'top_logprobs'])
    expect(warnings.every((warning) => warning.code === 'dropped_field')).toBe(true)
    expect(JSON.stringify(request)).not.toContain('50256')
    expect(decoded({ logprobs: false }).warnings).toEqual([])
  })

  test('reasoning_effort: effort words carry over, none turns reasoning off, unknown words warn', () => {
    expect(decoded({ reasoning_effort: 'high' }).request.reasoning).toEqual({ enabled: true, effort: 'high' })
    expect(decoded({ reasoning_effort: 'xhigh' }).request.reasoning).toEqual({ enabled: true, effort: 'xhigh' })
    expect(decoded({ reasoning_effort: 'none' }).request.reasoning).toEqual({ enabled: false })
    const unknown = decoded({ reasoning_effort: 'ultra' })
    expect([unknown.request.reasoning, unknown.warnings.length]).toEqual([undefined, 1])
  })

  test('safety_identifier, else user, is the end-user id', () => {
    expect(decoded({ user: 'u1' }).request.user).toBe('u1')
    expect(decoded({ user: 'u1', safety_identifier: 's1' }).request.user).toBe('s1')
  })

  test('response_format json_schema and json_object; text means nothing', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } }
    expect(decoded({ response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } } }).request.responseFormat).toEqual({
      type: 'json-schema',
      name: 'answer',
      schema,
      strict: true,
    })
    expect(decoded({ response_format: { type: 'json_object' } }).request.responseFormat).toEqual({ type: 'json-object' })
    expect(decoded({ response_format: { type: 'text' } }).request.responseFormat).toBeUndefined()
  })

  test('Chat-only fields a Chat upstream would take are relayed in vendor.openaiChat', () => {
    const { request, warnings } = decoded({ prompt_cache_key: 'session-1', service_tier: 'flex', store: false })
    expect(request.vendor.openaiChat).toEqual({ relayed: { prompt_cache_key: 'session-1', service_tier: 'flex', store: false } })
    expect(warnings).toEqual([])
  })
})

describe('tools and tool_choice', () => {
  const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } }
  const time = { type: 'function', function: { name: 'get_time' } }

  test('function tools; a tool without parameters gets an empty object schema', () => {
    expect(decoded({ tools: [weather, time] }).request.tools).toEqual([
      { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true },
      { name: 'get_time', parameters: { type: 'object', properties: {} } },
    ])
  })

  test('legacy functions are tools too', () => {
    expect(decoded({ functions: [{ name: 'lookup', parameters: { type: 'object', properties: {} } }] }).request.tools.map((tool) => tool.name)).toEqual(['lookup'])
  })

  test('custom (freeform) tools are dropped with a warning', () => {
    const { request, warnings } = decoded({ tools: [weather, { type: 'custom', custom: { name: 'shell' } }] })
    expect(request.tools.map((tool) => tool.name)).toEqual(['get_weather'])
    expect(warnings).toEqual([{ code: 'dropped_field', message: "A custom tool has no equivalent in the upstream's API; dropped" }])
  })

  test('tool_choice none, auto, required and a named function', () => {
    expect(decoded({ tools: [weather], tool_choice: 'none' }).request.toolChoice).toEqual({ type: 'none' })
    expect(decoded({ tools: [weather], tool_choice: 'auto' }).request.toolChoice).toEqual({ type: 'auto' })
    expect(decoded({ tools: [weather], tool_choice: 'required' }).request.toolChoice).toEqual({ type: 'required' })
    expect(decoded({ tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } }).request.toolChoice).toEqual({ type: 'tool', name: 'get_weather' })
    expect(decoded({ tools: [weather] }).request.toolChoice).toBeUndefined()
  })

  test('legacy function_call choice', () => {
    expect(decoded({ functions: [{ name: 'lookup' }], function_call: { name: 'lookup' } }).request.toolChoice).toEqual({ type: 'tool', name: 'lookup' })
    expect(decoded({ functions: [{ name: 'lookup' }], function_call: 'none' }).request.toolChoice).toEqual({ type: 'none' })
  })

  test('allowed_tools narrows the tools to its subset and keeps its mode', () => {
    const choice = { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'get_time' } }] } }
    const { request } = decoded({ tools: [weather, time], tool_choice: choice })
    expect(request.tools.map((tool) => tool.name)).toEqual(['get_time'])
    expect(request.toolChoice).toEqual({ type: 'required' })
  })

  test('parallel_tool_calls: false rides on the choice, an auto one if none was given', () => {
    expect(decoded({ tools: [weather], parallel_tool_calls: false }).request.toolChoice).toEqual({ type: 'auto', parallel: false })
    expect(decoded({ tools: [weather], tool_choice: 'required', parallel_tool_calls: false }).request.toolChoice).toEqual({ type: 'required', parallel: false })
    expect(decoded({ tools: [weather], parallel_tool_calls: true }).request.toolChoice).toBeUndefined()
  })
})
