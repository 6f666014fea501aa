import { describe, expect, test } from 'bun:test'
import { decodeRequest } from '../../../src/dialects/anthropic/decode-request.ts'

const base = { model: 'claude-sonnet-4-6', max_tokens: 1024 }
const user = (content: unknown) => ({ role: 'user', content })

describe('decodeRequest', () => {
  test('system as a string or as blocks, cache_control kept; scalar fields carried', () => {
    const { request, warnings } = decodeRequest({
      ...base,
      system: [{ type: 'text', text: 'Be terse.', cache_control: { type: 'ephemeral', ttl: '1h' } }, { type: 'text', text: 'Use metric.' }],
      messages: [user('Hi')],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      stream: true,
      metadata: { user_id: 'user-7' },
    })
    expect(request).toEqual({
      model: 'claude-sonnet-4-6',
      system: [{ text: 'Be terse.', cacheControl: { type: 'ephemeral', ttl: '1h' } }, { text: 'Use metric.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      tools: [],
      maxOutputTokens: 1024,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      stopSequences: ['END'],
      stream: true,
      user: 'user-7',
      vendor: {},
    })
    expect(warnings).toEqual([])
    expect(decodeRequest({ ...base, system: 'Plain.', messages: [] }).request.system).toEqual([{ text: 'Plain.' }])
  })

  test('user blocks: text, images from base64, url and file, documents', () => {
    const { request } = decodeRequest({
      ...base,
      messages: [
        user([
          { type: 'text', text: 'Look', cache_control: { type: 'ephemeral' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
          { type: 'image', source: { type: 'file', file_id: 'file_011' } },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'Report' },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Plain notes' } },
        ]),
      ],
    })
    expect(request.messages[0]?.content).toEqual([
      { type: 'text', text: 'Look', cacheControl: { type: 'ephemeral' } },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { kind: 'url', url: 'https://example.com/a.jpg' } },
      { type: 'image', source: { kind: 'file', fileId: 'file_011' } },
      { type: 'document', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' }, title: 'Report' },
      { type: 'document', source: { kind: 'text', text: 'Plain notes' } },
    ])
  })

  test('assistant thinking (signature exact), redacted thinking and tool_use; tool_result as a string or blocks', () => {
    const signature = 'EswECkYICxgCKkB/G9N6M8GT7KUY1G+gFF94qmN6Y+p0wTVKyyhZVDnT34Rj3t8tI/oJMJHjzRhWv67j4sUZCx2EmNbqdY3ojt/a='
    const { request } = decodeRequest({
      ...base,
      messages: [
        user('Weather?'),
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Use the tool.', signature },
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy' },
            { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Oslo' } },
            { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: {} },
          ],
        },
        user([
          { type: 'tool_result', tool_use_id: 'toolu_01A', content: '4°C' },
          {
            type: 'tool_result',
            tool_use_id: 'toolu_01B',
            is_error: true,
            content: [{ type: 'text', text: 'no clock' }, { type: 'image', source: { type: 'url', url: 'https://example.com/c.png' } }],
          },
        ]),
      ],
    })
    expect(request.messages[1]?.content).toEqual([
      { type: 'reasoning', text: 'Use the tool.', signature },
      { type: 'redacted-reasoning', data: 'EmwKAhgBEgy' },
      { type: 'tool-call', id: 'toolu_01A', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { type: 'tool-call', id: 'toolu_01B', name: 'get_time', arguments: '{}' },
    ])
    expect(request.messages[2]?.content).toEqual([
      { type: 'tool-result', toolCallId: 'toolu_01A', content: [{ type: 'text', text: '4°C' }], isError: false },
      {
        type: 'tool-result',
        toolCallId: 'toolu_01B',
        content: [{ type: 'text', text: 'no clock' }, { type: 'image', source: { kind: 'url', url: 'https://example.com/c.png' } }],
        isError: true,
      },
    ])
  })

  test('a role:"system" message inside messages is hoisted into system', () => {
    const { request } = decodeRequest({
      ...base,
      system: 'First.',
      messages: [user('Hi'), { role: 'system', content: 'Now answer in French.' }, user('Again')],
    })
    expect(request.system).toEqual([{ text: 'First.' }, { text: 'Now answer in French.' }])
    expect(request.messages.map((message) => message.role)).toEqual(['user', 'user'])
  })

  test('custom tools are carried; server tools stay in vendor.anthropic with a warning', () => {
    const search = { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }
    const { request, warnings } = decodeRequest({
      ...base,
      messages: [user('Hi')],
      tools: [
        { name: 'get_weather', description: 'Weather by city', input_schema: { type: 'object', properties: { city: { type: 'string' } } }, strict: true, cache_control: { type: 'ephemeral' } },
        { type: 'custom', name: 'noop', input_schema: { type: 'object' } },
        search,
      ],
    })
    expect(request.tools).toEqual([
      { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true, cacheControl: { type: 'ephemeral' } },
      { name: 'noop', parameters: { type: 'object' } },
    ])
    expect(request.vendor.anthropic?.tools).toEqual([search])
    expect(warnings).toEqual([{ code: 'vendor_only', message: 'server tools (web_search_20250305) run only on Anthropic upstreams' }])
  })

  test('tool_choice auto / any / none / tool, with disable_parallel_tool_use', () => {
    const choice = (tool_choice: unknown) => decodeRequest({ ...base, messages: [], tool_choice }).request.toolChoice
    expect(choice({ type: 'auto' })).toEqual({ type: 'auto' })
    expect(choice({ type: 'any', disable_parallel_tool_use: true })).toEqual({ type: 'required', parallel: false })
    expect(choice({ type: 'none' })).toEqual({ type: 'none' })
    expect(choice({ type: 'tool', name: 'get_weather', disable_parallel_tool_use: false })).toEqual({ type: 'tool', name: 'get_weather', parallel: true })
  })

  test('thinking: enabled with a budget, adaptive with effort and display, disabled; effort alone stays Anthropic-only', () => {
    const decode = (fields: Record<string, unknown>) => decodeRequest({ ...base, messages: [], ...fields }).request
    expect(decode({ thinking: { type: 'enabled', budget_tokens: 2048 } }).reasoning).toEqual({ enabled: true, budgetTokens: 2048 })
    const adaptive = decode({ thinking: { type: 'adaptive', display: 'omitted' }, output_config: { effort: 'xhigh' } })
    expect(adaptive.reasoning).toEqual({ enabled: true, effort: 'xhigh' })
    expect(adaptive.vendor).toEqual({ anthropic: { thinking: { display: 'omitted' } } })
    const both = decode({ thinking: { type: 'enabled', budget_tokens: 4096 }, output_config: { effort: 'high' } })
    expect(both.reasoning).toEqual({ enabled: true, effort: 'high', budgetTokens: 4096 })
    expect(both.vendor.anthropic?.output_config).toEqual({ effort: 'high' })
    expect(decode({ thinking: { type: 'disabled' } }).reasoning).toEqual({ enabled: false })
    const effortOnly = decode({ output_config: { effort: 'low' } })
    expect(effortOnly.reasoning).toBeUndefined()
    expect(effortOnly.vendor.anthropic?.output_config).toEqual({ effort: 'low' })
  })

  test('output_config.format becomes responseFormat', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false }
    const { request } = decodeRequest({ ...base, messages: [], output_config: { format: { type: 'json_schema', schema } } })
    expect(request.responseFormat).toEqual({ type: 'json-schema', name: 'output', schema })
    expect(request.vendor).toEqual({})
  })

  test('Anthropic-only top-level fields ride in vendor.anthropic under their wire names', () => {
    const fields = {
      cache_control: { type: 'ephemeral' },
      service_tier: 'auto',
      context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
      mcp_servers: [{ type: 'url', url: 'https://mcp.example.com', name: 'example' }],
      container: 'container_011',
      inference_geo: 'us',
      future_field: { any: 'thing' },
    }
    const { request, warnings } = decodeRequest({ ...base, messages: [], ...fields })
    expect(request.vendor).toEqual({ anthropic: fields })
    expect(warnings).toEqual([])
  })

  test('blocks the IR cannot carry are dropped with one warning each kind', () => {
    const { request, warnings } = decodeRequest({
      ...base,
      messages: [
        user([
          { type: 'text', text: 'a', citations: [{ type: 'char_location' }] },
          { type: 'search_result', source: 'x', title: 'y', content: [] },
          { type: 'search_result', source: 'x', title: 'y', content: [] },
        ]),
      ],
    })
    expect(request.messages[0]?.content).toEqual([{ type: 'text', text: 'a' }])
    expect(warnings.map((warning) => warning.code)).toEqual(['dropped_field', 'unsupported_content'])
  })
})
