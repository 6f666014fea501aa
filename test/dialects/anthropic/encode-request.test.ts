import { describe, expect, test } from 'bun:test'
import type { CanonicalRequest } from '../../../src/core/canonical.ts'
import { decodeRequest } from '../../../src/dialects/anthropic/decode-request.ts'
import { encodeRequest, jsonObjectInstruction } from '../../../src/dialects/anthropic/encode-request.ts'
import { thinkingBudgetTokensByEffort } from '../../../src/dialects/anthropic/encode-thinking.ts'

const options = { upstreamModel: 'claude-sonnet-4-6', defaultMaxTokens: 8192 }
const hello = [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Hello' }] }]
const canonical = (fields: Partial<CanonicalRequest> = {}): CanonicalRequest => ({
  model: 'client-model',
  system: [],
  messages: hello,
  tools: [],
  stream: false,
  vendor: {},
  ...fields,
})
const encode = (fields: Partial<CanonicalRequest>, extra: Partial<typeof options> & { adaptiveThinkingOnly?: boolean } = {}) =>
  encodeRequest(canonical(fields), { ...options, ...extra })
const codes = (warnings: Array<{ code: string }>) => warnings.map((warning) => warning.code)

const signature = 'EswECkYICxgCKkB/G9N6M8GT7KUY1G+gFF94qmN6Y+p0wTVKyyhZVDnT34Rj3t8tI/oJMJHjzRhWv67j4sUZ='
const weatherTool = { name: 'get_weather', description: 'Weather by city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }

/** A Messages body in the form encodeRequest writes, using every field the IR or vendor.anthropic carries. */
const richBody = {
  model: 'claude-sonnet-4-6',
  max_tokens: 2048,
  system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Call the tool.', signature },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: [{ type: 'text', text: '18°C' }], is_error: true }] },
  ],
  tools: [weatherTool, { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }],
  tool_choice: { type: 'auto', disable_parallel_tool_use: true },
  thinking: { type: 'enabled', budget_tokens: 1024, display: 'summarized' },
  output_config: { effort: 'high' },
  stop_sequences: ['END'],
  metadata: { user_id: 'user-1' },
  stream: true,
  cache_control: { type: 'ephemeral' },
  service_tier: 'auto',
  context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
}

describe('encodeRequest ∘ decodeRequest', () => {
  test('a Messages body comes back as it was, Anthropic-only fields restored', () => {
    const { request } = decodeRequest(richBody)
    const { body, warnings } = encodeRequest(request, options)
    expect(body).toEqual(richBody)
    expect(warnings).toEqual([])
  })

  test('adaptive thinking, effort, display and structured output come back for an adaptive-only model', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } }
    const wire = {
      model: 'claude-opus-next',
      max_tokens: 4000,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      thinking: { type: 'adaptive', display: 'omitted' },
      output_config: { effort: 'max', format: { type: 'json_schema', schema } },
    }
    const { body } = encodeRequest(decodeRequest(wire).request, { ...options, upstreamModel: 'claude-opus-next', adaptiveThinkingOnly: true })
    expect(body).toEqual(wire)
  })

  test('decodeRequest ∘ encodeRequest: a canonical request comes back with the upstream model', () => {
    const request = canonical({
      system: [{ text: 'Sys', cacheControl: { type: 'ephemeral', ttl: '1h' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'document', source: { kind: 'url', url: 'https://example.com/a.pdf' }, title: 'A' }] },
        { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Rome"}' }] },
        { role: 'user', content: [{ type: 'tool-result', toolCallId: 'toolu_1', content: [{ type: 'text', text: 'Sunny' }], isError: false }] },
      ],
      tools: [{ name: 'get_weather', parameters: weatherTool.input_schema, strict: true }],
      toolChoice: { type: 'tool', name: 'get_weather' },
      maxOutputTokens: 500,
      temperature: 0.5,
      topK: 10,
      stopSequences: ['STOP'],
      user: 'u-1',
      stream: true,
    })
    const { body } = encodeRequest(request, options)
    expect(decodeRequest(body).request).toEqual({ ...request, model: options.upstreamModel })
  })
})

describe('encodeRequest', () => {
  test('edge 13: max_tokens is always sent, from the default when the client set none', () => {
    expect(encode({}).body.max_tokens).toBe(8192)
    expect(encode({ maxOutputTokens: 100 }).body.max_tokens).toBe(100)
  })

  test('effort → budget by the table; budget models get budget_tokens, minimal means no thinking', () => {
    expect(thinkingBudgetTokensByEffort).toEqual({ minimal: undefined, low: 1024, medium: 2048, high: 4096, xhigh: 4096, max: 4096 })
    expect(encode({ reasoning: { enabled: true, effort: 'medium' } }).body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 })
    expect(encode({ reasoning: { enabled: true, effort: 'xhigh' } }).body.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 })
    expect(encode({ reasoning: { enabled: true } }).body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 })
    expect(encode({ reasoning: { enabled: true, effort: 'minimal' } }).body.thinking).toBeUndefined()
    expect(encode({ reasoning: { enabled: false } }).body.thinking).toEqual({ type: 'disabled' })
  })

  test('adaptive-only models get {type:"adaptive"} and the effort word, a budget read back as a word', () => {
    const adaptive = (reasoning: CanonicalRequest['reasoning']) => encode({ reasoning }, { adaptiveThinkingOnly: true }).body
    expect(adaptive({ enabled: true, effort: 'low' })).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } })
    expect(adaptive({ enabled: true, budgetTokens: 6000 })).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'medium' } })
    expect(adaptive({ enabled: true }).output_config).toBeUndefined()
  })

  test('edge 12: a budget under 1024 is raised, and max_tokens is raised above the budget', () => {
    const low = encode({ reasoning: { enabled: true, budgetTokens: 500 }, maxOutputTokens: 4000 })
    expect(low.body).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 4000 })
    const tight = encode({ reasoning: { enabled: true, budgetTokens: 4096 }, maxOutputTokens: 1000 })
    expect(tight.body).toMatchObject({ thinking: { budget_tokens: 4096 }, max_tokens: 5096 })
    expect(codes(tight.warnings)).toEqual(['adjusted_field'])
  })

  test('edge 12: no temperature, top_p or top_k with thinking on', () => {
    const { body, warnings } = encode({ reasoning: { enabled: true, effort: 'low' }, temperature: 0.3, topP: 0.9, topK: 5 })
    expect(body).not.toContainKey('temperature')
    expect(body).not.toContainKey('top_p')
    expect(body).not.toContainKey('top_k')
    expect(codes(warnings)).toEqual(['dropped_field'])
  })

  test('edge 12: temperature is clamped to 1 and never sent with top_p', () => {
    const { body, warnings } = encode({ temperature: 1.7, topP: 0.8 })
    expect(body.temperature).toBe(1)
    expect(body).not.toContainKey('top_p')
    expect(codes(warnings)).toEqual(['adjusted_field', 'dropped_field'])
    expect(encode({ topP: 0.8 }).body.top_p).toBe(0.8)
  })

  test('edge 11: a forced tool_choice with thinking on becomes auto, keeping only the named tool', () => {
    const tools = [
      { name: 'get_weather', parameters: { type: 'object' } },
      { name: 'get_time', parameters: { type: 'object' } },
    ]
    const named = encode({ reasoning: { enabled: true, effort: 'low' }, tools, toolChoice: { type: 'tool', name: 'get_time', parallel: false } })
    expect(named.body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true })
    expect((named.body.tools as Array<{ name: string }>).map((tool) => tool.name)).toEqual(['get_time'])
    const any = encode({ reasoning: { enabled: true, effort: 'low' }, tools, toolChoice: { type: 'required' } })
    expect(any.body.tool_choice).toEqual({ type: 'auto' })
    expect(encode({ tools, toolChoice: { type: 'required' } }).body.tool_choice).toEqual({ type: 'any' })
    expect(encode({ toolChoice: { type: 'auto' } }).body).not.toContainKey('tool_choice')
  })

  test('edge 10: thinking is turned off when the tool loop’s assistant turn lacks its thinking', () => {
    const messages: CanonicalRequest['messages'] = [
      ...hello,
      { role: 'assistant', content: [{ type: 'tool-call', id: 'call_1', name: 'f', arguments: '{}' }] },
      { role: 'user', content: [{ type: 'tool-result', toolCallId: 'call_1', content: [{ type: 'text', text: 'ok' }], isError: false }] },
    ]
    const { body, warnings } = encode({ messages, reasoning: { enabled: true, effort: 'high' }, temperature: 0.2 })
    expect(body).not.toContainKey('thinking')
    expect(body.temperature).toBe(0.2)
    expect(codes(warnings)).toContain('dropped_field')
  })

  test('edge 14: at most four cache_control marks, the latest kept, the top-level one counted', () => {
    const mark = { type: 'ephemeral' as const }
    const fields: Partial<CanonicalRequest> = {
      tools: [{ name: 't', parameters: { type: 'object' }, cacheControl: mark }],
      system: [{ text: 's1', cacheControl: mark }, { text: 's2', cacheControl: mark }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'a', cacheControl: mark }, { type: 'text', text: 'b', cacheControl: { type: 'ephemeral', ttl: '1h' } }] }],
    }
    const { body, warnings } = encode(fields)
    const serialised = JSON.stringify(body)
    expect(serialised.match(/cache_control/g)).toHaveLength(4)
    expect((body.tools as Array<Record<string, unknown>>)[0]).not.toContainKey('cache_control')
    expect(JSON.stringify(body.messages)).toContain('"ttl":"1h"')
    expect(codes(warnings)).toEqual(['dropped_cache_control'])
    const withTopLevel = encode({ ...fields, vendor: { anthropic: { cache_control: mark } } })
    expect(JSON.stringify(withTopLevel.body).match(/cache_control/g)).toHaveLength(4)
    expect(withTopLevel.body.cache_control).toEqual(mark)
  })

  test('other dialects’ vendor fields are dropped with a warning each', () => {
    const { body, warnings } = encode({ vendor: { openaiChat: { logit_bias: {}, seed: 1 }, openaiResponses: { store: false } } })
    expect(body).not.toContainKey('seed')
    expect(warnings.map((warning) => warning.message)).toEqual([
      'dropped OpenAI Chat field logit_bias: Anthropic has no equivalent',
      'dropped OpenAI Chat field seed: Anthropic has no equivalent',
      'dropped OpenAI Responses field store: Anthropic has no equivalent',
    ])
  })

  test('JSON-object mode becomes a system instruction; a JSON schema becomes output_config.format', () => {
    const object = encode({ responseFormat: { type: 'json-object' } })
    expect(object.body.system).toEqual([{ type: 'text', text: jsonObjectInstruction }])
    const schema = { type: 'object', properties: {} }
    expect(encode({ responseFormat: { type: 'json-schema', name: 'x', schema } }).body.output_config).toEqual({ format: { type: 'json_schema', schema } })
  })

  test('tools without an object schema get one; whitespace stop sequences and empty system text are dropped', () => {
    const { body } = encode({ tools: [{ name: 'ping', parameters: {} }], stopSequences: [' ', 'END'], system: [{ text: ' ' }] })
    expect(body.tools).toEqual([{ name: 'ping', input_schema: { type: 'object', properties: {} } }])
    expect(body.stop_sequences).toEqual(['END'])
    expect(body).not.toContainKey('system')
  })
})
