import { describe, expect, test } from 'bun:test'
import type { CanonicalRequest } from '../../../src/core/canonical.ts'
import { decodeRequest } from '../../../src/dialects/openai-chat/decode-request.ts'
import { encodeRequest, isStrictClean, type EncodeRequestOptions } from '../../../src/dialects/openai-chat/encode-request.ts'
import type { OpenAIChatCompletionCreateParams } from '../../../src/dialects/openai-chat/schema.ts'
import { originalToolName } from '../../../src/dialects/openai-chat/tool-name.ts'

const options: EncodeRequestOptions = { upstreamModel: 'gpt-5-mini', maxTokensField: 'max_completion_tokens', systemRole: 'developer' }

function request(fields: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return { model: 'client-model', system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], tools: [], stream: false, vendor: {}, ...fields }
}

function encoded(fields: Partial<CanonicalRequest> = {}, overrides: Partial<EncodeRequestOptions> = {}) {
  const result = encodeRequest(request(fields), { ...options, ...overrides })
  if ('error' in result) throw new Error(`expected a body, got ${JSON.stringify(result.error)}`)
  return result
}

const weather = { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } }

describe('scalars', () => {
  test('the upstream model, the system joined into one leading message in the provider role', () => {
    const { body } = encoded({ system: [{ text: 'Be brief.' }, { text: 'Use French.', cacheControl: { type: 'ephemeral' } }] })
    expect(body).toEqual({ model: 'gpt-5-mini', messages: [{ role: 'developer', content: 'Be brief.\n\nUse French.' }, { role: 'user', content: 'Hi' }] })
    expect(encoded({ system: [{ text: 'x' }] }, { systemRole: 'system' }).body.messages[0]).toEqual({ role: 'system', content: 'x' })
  })

  test('edge 13: the max-tokens field is the provider\'s (reasoning models reject max_tokens)', () => {
    expect(encoded({ maxOutputTokens: 32000 }).body.max_completion_tokens).toBe(32000)
    const legacy = encoded({ maxOutputTokens: 32000 }, { maxTokensField: 'max_tokens' }).body
    expect([legacy.max_tokens, legacy.max_completion_tokens]).toEqual([32000, undefined])
  })

  test('edge 6: a streamed request always asks for usage', () => {
    expect(encoded({ stream: true }).body).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    expect(encoded({ stream: true, vendor: { openaiChat: { includeUsage: false } } }).body.stream_options).toEqual({ include_usage: true })
    expect(encoded().body.stream_options).toBeUndefined()
  })

  test('sampling: kept for ordinary models, dropped with warnings for reasoning models; top_k never fits', () => {
    const fields = { temperature: 0.3, topP: 0.8, topK: 40, stopSequences: ['END'] }
    expect(encoded(fields).body).toMatchObject({ temperature: 0.3, top_p: 0.8, stop: ['END'] })
    const reasoning = encoded(fields, { reasoningModel: true })
    expect([reasoning.body.temperature, reasoning.body.top_p, reasoning.body.stop]).toEqual([undefined, undefined, undefined])
    expect(reasoning.warnings.map((warning) => warning.message.split(':')[0])).toEqual(['temperature', 'top_p', 'top_k', 'stop'])
  })

  test('stop beyond four sequences: the first four go, with a warning', () => {
    const { body, warnings } = encoded({ stopSequences: ['a', 'b', 'c', 'd', 'e'] })
    expect(body.stop).toEqual(['a', 'b', 'c', 'd'])
    expect(warnings).toHaveLength(1)
  })

  test('edge 15: a user id over 64 characters is hashed to a stable 64-character safety_identifier', () => {
    const claudeCodeUserId = `user_${'a'.repeat(64)}_account__session_${'0'.repeat(36)}`
    const first = encoded({ user: claudeCodeUserId }).body.safety_identifier as string
    expect(first).toMatch(/^[0-9a-f]{64}$/)
    expect(encoded({ user: claudeCodeUserId }).body.safety_identifier).toBe(first)
    expect(encoded({ user: 'short-id' }).body.safety_identifier).toBe('short-id')
  })

  test('response format', () => {
    expect(encoded({ responseFormat: { type: 'json-object' } }).body.response_format).toEqual({ type: 'json_object' })
    const schema = { type: 'object', properties: {} }
    expect(encoded({ responseFormat: { type: 'json-schema', name: 'output', schema, strict: true } }).body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'output', schema, strict: true },
    })
  })

  test('vendor fields of other dialects are dropped with a warning; Chat-relayed fields go out as they came', () => {
    const { body, warnings } = encoded({ vendor: { anthropic: { service_tier: 'auto', context_management: {} }, openaiChat: { includeUsage: true, relayed: { prompt_cache_key: 'k' } } } })
    expect(warnings).toEqual([{ code: 'dropped_field', message: 'service_tier, context_management: no equivalent in Chat Completions; dropped' }])
    expect(body.prompt_cache_key).toBe('k')
    expect('includeUsage' in body).toBe(false)
  })
})

describe('reasoning (WIRE §2.3, "Back")', () => {
  test.each([
    [1024, 'low'],
    [1025, 'medium'],
    [8192, 'medium'],
    [8193, 'high'],
    [32000, 'high'],
  ] as const)('budget_tokens %d → %s', (budgetTokens, effort) => {
    expect(encoded({ reasoning: { enabled: true, budgetTokens } }).body.reasoning_effort).toBe(effort)
  })

  test('effort words carry over (max as high); adaptive without effort is medium; off sends nothing', () => {
    expect(encoded({ reasoning: { enabled: true, effort: 'low' } }).body.reasoning_effort).toBe('low')
    expect(encoded({ reasoning: { enabled: true, effort: 'max' } }).body.reasoning_effort).toBe('high')
    expect(encoded({ reasoning: { enabled: true } }).body.reasoning_effort).toBe('medium')
    expect(encoded({ reasoning: { enabled: false } }).body.reasoning_effort).toBeUndefined()
  })

  test('a model known not to reason gets no reasoning_effort, and a warning', () => {
    const { body, warnings } = encoded({ reasoning: { enabled: true, budgetTokens: 4000 } }, { reasoningModel: false })
    expect(body.reasoning_effort).toBeUndefined()
    expect(warnings).toHaveLength(1)
  })
})

describe('tools', () => {
  test('function tools, tool_choice and parallel_tool_calls', () => {
    const { body } = encoded({ tools: [weather], toolChoice: { type: 'tool', name: 'get_weather', parallel: false } })
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: weather.parameters } }])
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } })
    expect(body.parallel_tool_calls).toBe(false)
    expect(encoded({ tools: [weather], toolChoice: { type: 'required' } }).body.tool_choice).toBe('required')
    expect(encoded({ tools: [weather], toolChoice: { type: 'none' } }).body.tool_choice).toBe('none')
  })

  test('no tools: no tool_choice and no parallel_tool_calls, which Chat rejects alone', () => {
    const { body } = encoded({ toolChoice: { type: 'auto', parallel: false } })
    expect(['tools', 'tool_choice', 'parallel_tool_calls'].some((field) => field in body)).toBe(false)
  })

  test('edge 15: MCP names over 64 characters or off-pattern are shortened, and the map gives them back', () => {
    const long = `mcp__claude_in_chrome__${'navigate_to_a_page_and_wait_'.repeat(3)}`
    const dotted = 'files.read'
    const { body, toolNames } = encoded({
      tools: [{ ...weather, name: long }, { ...weather, name: dotted }, weather],
      toolChoice: { type: 'tool', name: long },
      messages: [{ role: 'assistant', content: [{ type: 'tool-call', id: 'call_1', name: dotted, arguments: '{}' }] }, { role: 'user', content: [{ type: 'tool-result', toolCallId: 'call_1', content: [], isError: false }] }],
    })
    const names = (body.tools ?? []).map((tool) => tool.function.name)
    const [longName = '', dottedName = ''] = names
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/)
    expect(names[2]).toBe('get_weather')
    expect(names.map((name) => originalToolName(toolNames, name))).toEqual([long, dotted, 'get_weather'])
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: longName } })
    expect(body.messages[0]).toMatchObject({ tool_calls: [{ function: { name: dottedName } }] })
    expect(Object.keys(toolNames).sort()).toEqual([longName, dottedName].sort())
  })

  test('edge 17: strict only for strict-clean schemas; others lose strict with a warning', () => {
    const loose = { ...weather, name: 'loose', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] } }
    const { body, warnings } = encoded({ tools: [{ ...weather, strict: true }, { ...loose, strict: true }] })
    expect(body.tools?.map((tool) => tool.function.strict)).toEqual([true, undefined])
    expect(warnings).toEqual([{ code: 'adjusted_field', message: 'Tool loose: its schema does not meet strict mode\'s rules; sent without strict' }])
  })

  test('isStrictClean looks into nested objects, arrays and definitions', () => {
    const closed = (properties: Record<string, unknown>) => ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false })
    expect(isStrictClean(closed({ list: { type: 'array', items: closed({ a: { type: 'string' } }) } }))).toBe(true)
    expect(isStrictClean(closed({ list: { type: 'array', items: { type: 'object', properties: { a: {} } } } }))).toBe(false)
    expect(isStrictClean({ ...closed({}), $defs: { node: { type: 'object', properties: {} } } })).toBe(false)
    expect(isStrictClean(closed({ either: { anyOf: [{ type: 'string' }, closed({ b: { type: 'number' } })] } }))).toBe(true)
  })
})

describe('round trips', () => {
  test('a Chat request survives decode then encode', () => {
    const body = {
      model: 'gpt-5-mini',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather and a picture?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
        { role: 'assistant', content: 'Sunny in Paris.' },
        { role: 'user', content: 'Thanks' },
      ],
      max_completion_tokens: 500,
      stop: ['END'],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: weather.parameters, strict: true } }],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      reasoning_effort: 'low',
      response_format: { type: 'json_object' },
      safety_identifier: 'user-1',
      stream: true,
      stream_options: { include_usage: true },
    }
    const decoded = decodeRequest(body as OpenAIChatCompletionCreateParams)
    if ('error' in decoded) throw new Error(decoded.error.message)
    const again = encodeRequest(decoded.request, options)
    expect<unknown>(again).toEqual({ body, warnings: [], toolNames: {} })
  })

  test('a canonical request survives encode then decode', () => {
    const canonical = request({
      system: [{ text: 'Rules' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Go' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Calling.' }, { type: 'tool-call', id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Oslo"}' }] },
        { role: 'user', content: [{ type: 'tool-result', toolCallId: 'toolu_01', content: [{ type: 'text', text: 'Snow' }], isError: false }, { type: 'text', text: 'And?' }] },
      ],
      tools: [{ ...weather, strict: true }],
      toolChoice: { type: 'tool', name: 'get_weather' },
      maxOutputTokens: 1000,
      temperature: 0.5,
      reasoning: { enabled: true, effort: 'high' },
      user: 'u1',
      vendor: { openaiChat: {} },
    })
    const encodedBody = encoded(canonical).body
    const decoded = decodeRequest(encodedBody as unknown as OpenAIChatCompletionCreateParams)
    expect(decoded).toEqual({ request: { ...canonical, model: 'gpt-5-mini' }, warnings: [] })
  })
})
