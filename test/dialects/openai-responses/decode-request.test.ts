import { describe, expect, test } from 'bun:test'
import type { CanonicalRequest, Warning } from '../../../src/core/canonical.ts'
import { toolIdPattern } from '../../../src/core/tool-id.ts'
import { encodeRequest } from '../../../src/dialects/anthropic/encode-request.ts'
import { decodeRequest } from '../../../src/dialects/openai-responses/decode-request.ts'
import { packReasoningContent } from '../../../src/dialects/openai-responses/reasoning-content.ts'

const input = [{ role: 'user', content: 'Hi' }]

type Decoded = { request: CanonicalRequest; warnings: Warning[]; customToolNames: Set<string> }

/** Decodes a body (the route's schema has already checked its envelope) and expects it to translate. */
function decoded(fields: Record<string, unknown>): Decoded {
  const result = decodeRequest({ model: 'claude-sonnet', input, ...fields })
  if ('error' in result) throw new Error(`expected a request, got ${JSON.stringify(result.error)}`)
  return result
}

function failure(fields: Record<string, unknown>): { param: string; message: string } {
  const result = decodeRequest({ model: 'claude-sonnet', input, ...fields })
  if (!('error' in result)) throw new Error(`expected a failure, got ${JSON.stringify(result.request)}`)
  return result.error
}

const anthropicOptions = { upstreamModel: 'claude-sonnet-4-5', defaultMaxTokens: 8192 }
const signature = 'EswECkYICxgCKkB/G9N6M8GT7KUY1G+gFF94qmN6Y+p0wTVKyyhZVDnT34Rj3t8tI/oJMJHjzRhWv67j4sUZ='
const shellTool = {
  type: 'function',
  name: 'shell',
  description: 'Runs a shell command and returns its output.',
  strict: false,
  parameters: {
    type: 'object',
    properties: { command: { type: 'array', items: { type: 'string' } }, workdir: { type: 'string' } },
    required: ['command'],
    additionalProperties: false,
  },
}
const patchGrammar = 'start: begin_patch hunk+ end_patch\nbegin_patch: "*** Begin Patch" LF\nend_patch: "*** End Patch" LF?'
const applyPatchTool = {
  type: 'custom',
  name: 'apply_patch',
  description: 'Use the `apply_patch` tool to edit files.',
  format: { type: 'grammar', syntax: 'lark', definition: patchGrammar },
}

/** The shape Codex sends (store off, encrypted reasoning included, a freeform apply_patch tool). */
const codexBody = {
  model: 'gpt-5-codex',
  instructions: 'You are Codex, based on GPT-5.',
  input: [
    { type: 'message', role: 'developer', content: [{ type: 'input_text', text: '<permissions instructions>workspace-write</permissions instructions>' }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context><cwd>/repo</cwd></environment_context>' }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Fix the failing test' }] },
  ],
  tools: [shellTool, applyPatchTool],
  tool_choice: 'auto',
  parallel_tool_calls: false,
  reasoning: { effort: 'high', summary: 'auto' },
  store: false,
  stream: true,
  include: ['reasoning.encrypted_content'],
  prompt_cache_key: '0199a8f2-5d4e-7c31-9b1a-2f6e0c4d8a17',
  text: { verbosity: 'low' },
}

describe('a Codex request', () => {
  test('instructions lead the system blocks, tools and choice carry over, gateway fields ride in vendor', () => {
    const { request, warnings, customToolNames } = decoded(codexBody)
    expect(request).toEqual({
      model: 'gpt-5-codex',
      system: [{ text: 'You are Codex, based on GPT-5.' }, { text: '<permissions instructions>workspace-write</permissions instructions>' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: '<environment_context><cwd>/repo</cwd></environment_context>' }] },
        { role: 'user', content: [{ type: 'text', text: 'Fix the failing test' }] },
      ],
      tools: [
        { name: 'shell', description: shellTool.description, parameters: shellTool.parameters, strict: false },
        {
          name: 'apply_patch',
          description: applyPatchTool.description,
          parameters: {
            type: 'object',
            properties: { input: { type: 'string', description: `The raw input, which must match this lark grammar:\n${patchGrammar}` } },
            required: ['input'],
            additionalProperties: false,
          },
        },
      ],
      toolChoice: { type: 'auto', parallel: false },
      stream: true,
      reasoning: { enabled: true, effort: 'high' },
      vendor: { openaiResponses: { relayed: { prompt_cache_key: codexBody.prompt_cache_key } } },
    })
    expect([...customToolNames]).toEqual(['apply_patch'])
    expect(warnings).toEqual([{ code: 'dropped_field', message: "text.verbosity: no equivalent in the upstream's API; dropped" }])
  })

  test('through the Anthropic encoder: thinking on, apply_patch takes one string, parallel calls off', () => {
    const { request } = decoded(codexBody)
    const { body } = encodeRequest(request, anthropicOptions)
    expect(body.system).toEqual([
      { type: 'text', text: 'You are Codex, based on GPT-5.' },
      { type: 'text', text: '<permissions instructions>workspace-write</permissions instructions>' },
    ])
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 })
    expect(body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true })
    expect((body.tools as Array<Record<string, unknown>>)[1]).toMatchObject({ name: 'apply_patch', input_schema: { required: ['input'] } })
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: '<environment_context><cwd>/repo</cwd></environment_context>' },
          { type: 'text', text: 'Fix the failing test' },
        ],
      },
    ])
  })

  test('the next round through the Anthropic encoder: thinking restored first, ids sanitised alike, results first', () => {
    const packed = packReasoningContent({ type: 'reasoning', text: 'Run the tests first.', signature })
    const callId = 'call.1|shell'
    const { request } = decoded({
      ...codexBody,
      input: [
        ...codexBody.input,
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Run the tests first.' }], encrypted_content: packed },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Running the tests.' }] },
        { type: 'function_call', call_id: callId, name: 'shell', arguments: '{"command":["bun","test"]}' },
        { type: 'custom_tool_call', call_id: 'call_patch', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch\n' },
        { type: 'function_call_output', call_id: callId, output: '1 fail' },
        { type: 'custom_tool_call_output', call_id: 'call_patch', output: 'Done!' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Also update the docs' }] },
      ],
    })
    const { body, warnings } = encodeRequest(request, anthropicOptions)
    const messages = body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>
    const assistant = messages[1]
    expect(assistant?.role).toBe('assistant')
    expect(assistant?.content[0]).toEqual({ type: 'thinking', thinking: 'Run the tests first.', signature })
    const toolUses = assistant?.content.filter((block) => block.type === 'tool_use') ?? []
    expect(toolUses.map((block) => block.input)).toEqual([{ command: ['bun', 'test'] }, { input: '*** Begin Patch\n*** End Patch\n' }])
    expect(toolUses.every((block) => toolIdPattern.test(String(block.id)))).toBe(true)
    expect(toolUses[0]?.id).not.toBe(callId)
    const answers = messages[2]
    expect(answers?.content.map((block) => block.type)).toEqual(['tool_result', 'tool_result', 'text'])
    expect(answers?.content.map((block) => block.tool_use_id).slice(0, 2)).toEqual(toolUses.map((block) => block.id))
    // The tool loop still carries its thinking, so the encoder keeps thinking on (edge 10).
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 })
    expect(warnings.map((warning) => warning.code)).not.toContain('repaired_conversation')
  })

  test("through the Anthropic encoder: OpenAI's own reasoning is dropped, so the tool loop runs with thinking off", () => {
    const result = decoded({
      ...codexBody,
      input: [
        ...codexBody.input,
        { type: 'reasoning', summary: [], encrypted_content: 'gAAAAABo-openai-encrypted' },
        { type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{"command":["ls"]}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'a.txt' },
      ],
    })
    expect(result.warnings.map((warning) => warning.code)).toContain('dropped_reasoning')
    const { body } = encodeRequest(result.request, anthropicOptions)
    expect(JSON.stringify(body)).not.toContain('gAAAAABo')
    expect(body.thinking).toBeUndefined()
  })
})

describe('tools', () => {
  test('a function tool without parameters gets an empty object schema; strict travels only when given', () => {
    const { request } = decoded({ tools: [{ type: 'function', name: 'now' }] })
    expect(request.tools).toEqual([{ name: 'now', parameters: { type: 'object', properties: {} } }])
  })

  test('a custom tool without a grammar takes a plain string', () => {
    const { request, customToolNames } = decoded({ tools: [{ type: 'custom', name: 'note', format: { type: 'text' } }] })
    expect(request.tools[0]?.parameters).toEqual({ type: 'object', properties: { input: { type: 'string' } }, required: ['input'], additionalProperties: false })
    expect(customToolNames.has('note')).toBe(true)
  })

  test('built-in tools are refused, naming the tool', () => {
    for (const type of ['web_search', 'web_search_preview', 'file_search', 'code_interpreter', 'image_generation', 'mcp', 'computer_use_preview', 'local_shell', 'shell', 'apply_patch']) {
      expect(failure({ tools: [shellTool, { type }] })).toEqual({ param: 'tools[1].type', message: `The built-in tool '${type}' is not available for this model.` })
    }
  })

  test('a function tool without a name is refused', () => {
    expect(failure({ tools: [{ type: 'function', parameters: {} }] }).param).toBe('tools[0].name')
  })
})

describe('tool_choice', () => {
  const tools = [shellTool, applyPatchTool]

  test('none, auto and required carry over; parallel_tool_calls false rides on the choice', () => {
    expect(decoded({ tools, tool_choice: 'none' }).request.toolChoice).toEqual({ type: 'none' })
    expect(decoded({ tools, tool_choice: 'required', parallel_tool_calls: false }).request.toolChoice).toEqual({ type: 'required', parallel: false })
    expect(decoded({ tools, parallel_tool_calls: false }).request.toolChoice).toEqual({ type: 'auto', parallel: false })
    expect(decoded({ tools }).request.toolChoice).toBeUndefined()
  })

  test('a named function or custom tool becomes a tool choice; a name not in tools is refused', () => {
    expect(decoded({ tools, tool_choice: { type: 'function', name: 'shell' } }).request.toolChoice).toEqual({ type: 'tool', name: 'shell' })
    expect(decoded({ tools, tool_choice: { type: 'custom', name: 'apply_patch' } }).request.toolChoice).toEqual({ type: 'tool', name: 'apply_patch' })
    expect(failure({ tools, tool_choice: { type: 'function', name: 'missing' } }).param).toBe('tool_choice')
  })

  test('allowed_tools narrows the tools and keeps its mode', () => {
    const { request } = decoded({ tools, tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'custom', name: 'apply_patch' }] } })
    expect(request.tools.map((tool) => tool.name)).toEqual(['apply_patch'])
    expect(request.toolChoice).toEqual({ type: 'required' })
  })

  test('a built-in choice or an unknown word is refused', () => {
    expect(failure({ tools, tool_choice: { type: 'web_search_preview' } })).toEqual({
      param: 'tool_choice',
      message: "The built-in tool 'web_search_preview' is not available for this model.",
    })
    expect(failure({ tools, tool_choice: 'sometimes' }).param).toBe('tool_choice')
  })
})

describe('scalars', () => {
  test('a minimal request', () => {
    expect(decoded({}).request).toEqual({
      model: 'claude-sonnet',
      system: [],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      tools: [],
      stream: false,
      vendor: { openaiResponses: {} },
    })
  })

  test('max_output_tokens, temperature, top_p; a string input is one user message', () => {
    const { request } = decoded({ input: 'Hello', max_output_tokens: 500, temperature: 0.3, top_p: 0.8 })
    expect([request.maxOutputTokens, request.temperature, request.topP]).toEqual([500, 0.3, 0.8])
    expect(request.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }])
  })

  test('blank instructions make no system block', () => {
    expect(decoded({ instructions: '  ' }).request.system).toEqual([])
  })

  test('reasoning.effort: none turns reasoning off, effort words carry over, unknown words warn', () => {
    expect(decoded({ reasoning: { effort: 'none' } }).request.reasoning).toEqual({ enabled: false })
    for (const effort of ['minimal', 'low', 'medium', 'high', 'xhigh'] as const) {
      expect(decoded({ reasoning: { effort } }).request.reasoning).toEqual({ enabled: true, effort })
    }
    const unknown = decoded({ reasoning: { effort: 'ultra' } })
    expect([unknown.request.reasoning, unknown.warnings.map((warning) => warning.code)]).toEqual([undefined, ['dropped_field']])
    expect(decoded({ reasoning: { summary: 'auto' } }).request.reasoning).toBeUndefined()
  })

  test('text.format: json_schema and json_object carry over; text means nothing', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false }
    expect(decoded({ text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } } }).request.responseFormat).toEqual({
      type: 'json-schema',
      name: 'answer',
      schema,
      strict: true,
    })
    expect(decoded({ text: { format: { type: 'json_object' } } }).request.responseFormat).toEqual({ type: 'json-object' })
    expect(decoded({ text: { format: { type: 'text' } } }).request.responseFormat).toBeUndefined()
  })

  test('safety_identifier, else user, is the end-user id', () => {
    expect(decoded({ user: 'u1' }).request.user).toBe('u1')
    expect(decoded({ user: 'u1', safety_identifier: 's1' }).request.user).toBe('s1')
  })
})

describe('gateway-level fields', () => {
  test('fields a Responses upstream takes are relayed; store, include, stream_options and previous_response_id are not (the gateway honours them)', () => {
    const { request, warnings } = decoded({
      store: true,
      metadata: { run: '7' },
      truncation: 'auto',
      service_tier: 'flex',
      top_logprobs: 2,
      max_tool_calls: 5,
      stream_options: { include_obfuscation: false },
      previous_response_id: 'resp_abc',
      background: false,
    })
    expect(request.vendor.openaiResponses).toEqual({
      relayed: { metadata: { run: '7' }, truncation: 'auto', service_tier: 'flex', top_logprobs: 2, max_tool_calls: 5 },
    })
    expect(warnings).toEqual([])
  })

  test('background mode, conversations and reusable prompts are refused', () => {
    expect(failure({ background: true }).param).toBe('background')
    expect(failure({ conversation: 'conv_123' }).param).toBe('conversation')
    expect(failure({ prompt: { id: 'pmpt_1', version: '2' } }).param).toBe('prompt')
    expect('request' in decodeRequest({ model: 'm', input, conversation: null, prompt: null })).toBe(true)
  })

  test('an input item failure reaches the caller with its path', () => {
    expect(failure({ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }).param).toBe('input[0].content[0].file_id')
  })
})
