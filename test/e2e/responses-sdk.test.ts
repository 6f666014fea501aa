/**
 * Codex-style traffic on a Claude model: the official OpenAI SDK's `responses.create` and `responses.stream` against an
 * Anthropic upstream, through the SDK's own accumulator. Covers text, a streamed two-turn function-call loop whose
 * thinking round-trips byte for byte (encrypted_content with `store:false`, and `previous_response_id` with the
 * default `store:true`), another key's response id, built-in tools, billing and a cut stream.
 */
import { describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { createKey } from '../../src/ledger/keys.ts'
import { jsonReply, sseReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { useListeningGateway } from '../support/gateway.ts'
import { splitCostTrailer } from '../support/sdk-traffic.ts'

const setup = useListeningGateway()

const openai = (apiKey = setup.gateway.key) => new OpenAI({ baseURL: `${setup.gateway.url}/v1`, apiKey, maxRetries: 0 })
const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather for a place',
  parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string' } }, required: ['location', 'unit'], additionalProperties: false },
  strict: true,
}

async function thinkingToolUseSignature(): Promise<string> {
  const fixture = await readFixture('upstream/anthropic/thinking-tool-use.stream.sse')
  return /"signature":"([^"]+)"/.exec(fixture.split('signature_delta')[1] ?? '')?.[1] ?? ''
}

function sentBody(index: number): Record<string, any> {
  return JSON.parse(setup.upstream.received[index]!.bodyText)
}

describe('OpenAI SDK responses → Claude model', () => {
  test('a whole answer: output text, status, usage with cache inside input_tokens, the caller’s model id and the cost', async () => {
    setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    const { data, response } = await openai()
      .responses.create({ model: 'claude-alias', instructions: 'Be kind.', input: 'How are you?' })
      .withResponse()
    expect(data.output_text).toBe("Hello! I'm doing well, thanks for asking. How can I help you today?")
    expect(data.status).toBe('completed')
    expect(data.model).toBe('claude-alias')
    expect(data.id).toStartWith('resp_')
    expect(data.usage).toMatchObject({ input_tokens: 14 + 2077, output_tokens: 19, total_tokens: 14 + 2077 + 19, input_tokens_details: { cached_tokens: 0 } })
    // 14 × 3 + 2,077 cache writes × 3.75 + 19 × 15 = 8,115.75 → 8,116 micro-USD.
    expect(response.headers.get('x-anvat-cost-usd')).toBe('0.008116')
    expect(setup.upstream.received[0]!.path).toBe('/v1/messages')
    expect(sentBody(0)).toMatchObject({ model: 'claude-sonnet-4-6', system: [{ type: 'text', text: 'Be kind.' }], messages: [{ role: 'user', content: [{ type: 'text', text: 'How are you?' }] }] })
  })

  test('a stream through ResponseStream: ordered events, the final response, the cost trailer', async () => {
    setup.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/text.stream.sse'), { chunkSizeBytes: 5 }))
    const stream = openai().responses.stream({ model: 'claude-sonnet-4-6', input: [{ role: 'user', content: 'How are you?' }] })
    const types: string[] = []
    const sequence: number[] = []
    stream.on('event', (event) => {
      types.push(event.type)
      sequence.push(event.sequence_number)
    })
    const final = await stream.finalResponse()
    expect(final.output_text).toBe("Hello! I'm doing well, thanks for asking. How can I help you today?")
    expect(final.status).toBe('completed')
    expect(types[0]).toBe('response.created')
    expect(types[1]).toBe('response.in_progress')
    expect(types.at(-1)).toBe('response.completed')
    expect(types).toContain('response.output_text.delta')
    expect(sequence).toEqual(sequence.map((_, index) => index))
  })

  test('the raw stream ends with the cost of the Anthropic usage, cache reads included', async () => {
    setup.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/thinking-tool-use.stream.sse')))
    const response = await fetch(`${setup.gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${setup.gateway.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', stream: true, input: 'Weather in Tokyo?', tools: [weatherTool], reasoning: { effort: 'low' } }),
    })
    expect(response.headers.get('content-type')).toStartWith('text/event-stream')
    const { relayed, costUsd } = splitCostTrailer(await response.text())
    // 3 × 3 + 221 × 3.75 + 4,608 × 0.3 + 112 × 15 = 3,900.15 → 3,901 micro-USD.
    expect(costUsd).toBe('0.003901')
    const completed = relayed.split('\n').find((line) => line.startsWith('data: {"type":"response.completed"'))
    expect(JSON.parse(completed!.slice(6)).response.usage).toMatchObject({
      input_tokens: 3 + 221 + 4608,
      input_tokens_details: { cached_tokens: 4608 },
      output_tokens: 112,
      total_tokens: 3 + 221 + 4608 + 112,
    })
  })

  test('a two-turn function-call loop with store:false: the thinking comes back to Claude byte for byte', async () => {
    const signature = await thinkingToolUseSignature()
    setup.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/thinking-tool-use.stream.sse'), { chunkSizeBytes: 11 }))
    const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'Weather in Tokyo?' }]
    const first = await openai()
      .responses.stream({ model: 'claude-sonnet-4-6', input, tools: [weatherTool], reasoning: { effort: 'low', summary: 'auto' }, store: false, include: ['reasoning.encrypted_content'] })
      .finalResponse()
    const reasoning = first.output.find((item) => item.type === 'reasoning')
    const call = first.output.find((item) => item.type === 'function_call')
    expect(reasoning?.summary[0]?.text).toBe('The user asked for the weather in Tokyo. I should call get_weather with the city and use celsius.')
    expect(reasoning?.encrypted_content).toBeString()
    expect(call).toMatchObject({ name: 'get_weather', call_id: 'toolu_01i8sk6qMg2KfCcXX9mSfcbY' })
    expect(JSON.parse(call!.type === 'function_call' ? call!.arguments : '')).toEqual({ location: 'Tokyo, Japan', unit: 'celsius' })

    // Codex replays reasoning without its id under store:false, then the call and its output.
    setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    const replayed = first.output.map((item) => (item.type === 'reasoning' ? { ...item, id: undefined } : item)) as OpenAI.Responses.ResponseInput
    const second = await openai().responses.create({
      model: 'claude-sonnet-4-6',
      input: [...input, ...replayed, { type: 'function_call_output', call_id: call!.type === 'function_call' ? call!.call_id : '', output: '{"temperature": 21}' }],
      tools: [weatherTool],
      reasoning: { effort: 'low' },
      store: false,
    })
    expect(second.status).toBe('completed')
    const messages = sentBody(1).messages
    expect(messages[1].role).toBe('assistant')
    expect(messages[1].content[0]).toEqual({
      type: 'thinking',
      thinking: 'The user asked for the weather in Tokyo. I should call get_weather with the city and use celsius.',
      signature,
    })
    expect(messages[1].content[1]).toMatchObject({ type: 'tool_use', id: 'toolu_01i8sk6qMg2KfCcXX9mSfcbY', name: 'get_weather', input: { location: 'Tokyo, Japan', unit: 'celsius' } })
    expect(messages[2].content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_01i8sk6qMg2KfCcXX9mSfcbY' })
    expect(sentBody(1).thinking).toBeDefined()
  })

  test('previous_response_id continues a stored conversation, thinking included; another key gets a 404', async () => {
    const signature = await thinkingToolUseSignature()
    setup.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/thinking-tool-use.stream.sse')))
    const first = await openai()
      .responses.stream({ model: 'claude-sonnet-4-6', instructions: 'Use tools.', input: 'Weather in Tokyo?', tools: [weatherTool], reasoning: { effort: 'low' } })
      .finalResponse()
    const call = first.output.find((item) => item.type === 'function_call')
    expect(call?.type).toBe('function_call')

    setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    const second = await openai().responses.create({
      model: 'claude-sonnet-4-6',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call!.type === 'function_call' ? call!.call_id : '', output: '21°C, clear' }],
      tools: [weatherTool],
      reasoning: { effort: 'low' },
    })
    expect(second.previous_response_id).toBe(first.id)
    const sent = sentBody(1)
    // Instructions are not inherited through previous_response_id.
    expect(sent.system).toBeUndefined()
    expect(sent.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'user'])
    expect(sent.messages[1].content[0]).toMatchObject({ type: 'thinking', signature })
    expect(sent.messages[2].content[0]).toMatchObject({ type: 'tool_result', content: [{ type: 'text', text: '21°C, clear' }] })

    const other = await createKey(setup.gateway.connection, { name: 'other', creditMicros: 1_000_000 }, Date.now())
    const error = await openai(other.key)
      .responses.create({ model: 'claude-sonnet-4-6', previous_response_id: first.id, input: 'And tomorrow?' })
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('previous_response_not_found')
    expect((error as InstanceType<typeof OpenAI.APIError>).param).toBe('previous_response_id')
    expect(setup.upstream.received).toHaveLength(2)
  })

  test('a built-in tool the upstream cannot run is a 400 naming it, and nothing is sent', async () => {
    const error = await openai()
      .responses.create({ model: 'claude-sonnet-4-6', input: 'News?', tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] })
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect((error as InstanceType<typeof OpenAI.APIError>).param).toBe('tools[0].type')
    expect((error as Error).message).toContain('file_search')
    expect(setup.upstream.received).toHaveLength(0)
  })

  test('a stream the upstream cuts ends with error and response.failed, and the SDK reports the failure', async () => {
    setup.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/cut.stream.sse')))
    const outcome = await openai()
      .responses.stream({ model: 'claude-sonnet-4-6', input: 'Hi' })
      .finalResponse()
      .catch((thrown: unknown) => thrown)
    // openai-node rejects with the `error` event's own payload.
    expect(outcome).toMatchObject({ type: 'error', code: 'server_error' })

    setup.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/cut.stream.sse')))
    const response = await fetch(`${setup.gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${setup.gateway.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', stream: true, input: 'Hi' }),
    })
    const { relayed, costUsd } = splitCostTrailer(await response.text())
    const events = relayed.split('\n').filter((line) => line.startsWith('event: ')).map((line) => line.slice(7))
    expect(events.slice(-2)).toEqual(['error', 'response.failed'])
    // Content was delivered before the cut: the partial output is billed, never more than the hold.
    expect(Number(costUsd)).toBeGreaterThan(0)
  })
})

describe('Codex-shaped traffic', () => {
  const patch = '*** Begin Patch\n*** Add File: hello.txt\n+hello "world"\n*** End Patch\n'
  const claudeCallsApplyPatch = [
    ['message_start', { type: 'message_start', message: { id: 'msg_01Codex', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 900, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 } } }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Creating the file.' } }],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_01Patch', name: 'apply_patch', input: {} } }],
    ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: JSON.stringify({ input: patch }).slice(0, 20) } }],
    ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: JSON.stringify({ input: patch }).slice(20) } }],
    ['content_block_stop', { type: 'content_block_stop', index: 1 }],
    ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 60 } }],
    ['message_stop', { type: 'message_stop' }],
  ]
    .map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    .join('')
  const codexBody = {
    model: 'claude-sonnet-4-6',
    instructions: 'You are a coding agent running in a terminal.',
    input: [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: '<environment_context><cwd>/repo</cwd></environment_context>' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Create hello.txt' }] },
    ],
    tools: [
      { type: 'function', name: 'shell', description: 'Runs a shell command', strict: false, parameters: { type: 'object', properties: { command: { type: 'array', items: { type: 'string' } } }, required: ['command'], additionalProperties: false } },
      { type: 'custom', name: 'apply_patch', description: 'Edit files with a patch', format: { type: 'grammar', syntax: 'lark', definition: 'start: begin_patch hunk+ end_patch' } },
    ],
    tool_choice: 'auto',
    parallel_tool_calls: false,
    reasoning: { effort: 'medium', summary: 'auto' },
    store: false,
    stream: true,
    include: ['reasoning.encrypted_content'],
    prompt_cache_key: '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  }

  test('a custom apply_patch call comes back as custom_tool_call with the patch text, and its output goes back as a tool_result', async () => {
    setup.upstream.enqueue(sseReply(claudeCallsApplyPatch, { chunkSizeBytes: 13 }))
    const response = await fetch(`${setup.gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${setup.gateway.key}`, 'content-type': 'application/json', 'openai-beta': 'responses=experimental', originator: 'codex_cli_rs' },
      body: JSON.stringify(codexBody),
    })
    expect(response.status).toBe(200)
    const first = sentBody(0)
    expect(first.system).toEqual([
      { type: 'text', text: 'You are a coding agent running in a terminal.' },
      { type: 'text', text: '<environment_context><cwd>/repo</cwd></environment_context>' },
    ])
    expect(first.tools.map((tool: { name: string }) => tool.name)).toEqual(['shell', 'apply_patch'])
    expect(first.tools[1].input_schema).toMatchObject({ type: 'object', properties: { input: { type: 'string' } }, required: ['input'] })
    expect(first.tool_choice).toMatchObject({ type: 'auto', disable_parallel_tool_use: true })

    const events = splitCostTrailer(await response.text())
      .relayed.split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)))
    const done = events.filter((event) => event.type === 'response.output_item.done').map((event) => event.item)
    expect(done.map((item) => item.type)).toEqual(['message', 'custom_tool_call'])
    expect(done[1]).toMatchObject({ call_id: 'toolu_01Patch', name: 'apply_patch', input: patch })
    expect(events.at(-1).type).toBe('response.completed')

    setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    const second = await openai().responses.create({
      ...(codexBody as object),
      stream: false,
      input: [...codexBody.input, ...done, { type: 'custom_tool_call_output', call_id: 'toolu_01Patch', output: 'Success. Updated the following files:\nA hello.txt' }],
    } as OpenAI.Responses.ResponseCreateParamsNonStreaming)
    expect(second.status).toBe('completed')
    const messages = sentBody(1).messages
    expect(messages[1].content).toEqual([
      { type: 'text', text: 'Creating the file.' },
      { type: 'tool_use', id: 'toolu_01Patch', name: 'apply_patch', input: { input: patch } },
    ])
    expect(messages[2].content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_01Patch' })
  })
})
