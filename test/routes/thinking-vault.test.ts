/**
 * The thinking vault end to end (WIRE.md §2.3, edge 10): a Chat Completions client's tool loop on Claude keeps thinking
 * on, because the gateway puts Claude's signed thinking back, byte for byte, in the turn the client sends back. Only
 * the key that received the thinking gets it back; any other key's loop runs with thinking off, as before.
 */
import { expect, test } from 'bun:test'
import { createKey } from '../../src/ledger/keys.ts'
import { jsonReply, sseReply } from '../support/fake-upstream.ts'
import { useRouteGateway } from '../support/gateway.ts'
import { splitCostTrailer } from '../support/sdk-traffic.ts'

const routeGateway = useRouteGateway()

const streamFixture = 'test/fixtures/upstream/anthropic/thinking-tool-use.stream.sse'
const textFixture = 'test/fixtures/upstream/anthropic/text.response.json'
const streamedThinking = 'The user asked for the weather in Tokyo. I should call get_weather with the city and use celsius.'
const tools = [
  {
    type: 'function',
    function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string' } }, required: ['location'] } },
  },
]
const question = { role: 'user', content: 'What is the weather in Tokyo?' }

/** The signature in the streamed fixture, as Anthropic wrote it. */
async function streamedSignature(): Promise<string> {
  const match = /"signature_delta","signature":"([^"]+)"/.exec(await Bun.file(streamFixture).text())
  if (match?.[1] === undefined) throw new Error('the fixture has no signature')
  return match[1]
}

/** A whole Claude answer that thinks (signed, and a redacted block), then calls a tool. */
const wholeSignature = 'EqQBCkYIBxgCKkB+whole/signature+with/slashes=='
const wholeRedacted = 'EmwKAhgBEgy3va3pzix/LafPsn4aDJ0wholeRedacted=='
const wholeAnswer = {
  model: 'claude-sonnet-4-6',
  id: 'msg_01WholeThinkingToolUse00',
  type: 'message',
  role: 'assistant',
  content: [
    { type: 'thinking', thinking: 'Tokyo weather: call the tool, in celsius.\n', signature: wholeSignature },
    { type: 'redacted_thinking', data: wholeRedacted },
    { type: 'text', text: 'Let me check.' },
    { type: 'tool_use', id: 'toolu_01WholeAnswerCall0000001', name: 'get_weather', input: { location: 'Tokyo, Japan', unit: 'celsius' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 412, output_tokens: 89 },
}

type ToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } }

function chatRequest(apiKey: string, body: Record<string, unknown>) {
  return routeGateway.gateway.handle('/v1/chat/completions', {
    method: 'POST',
    headers: { 'x-api-key': apiKey },
    body: JSON.stringify({ model: 'claude-sonnet-4-6', reasoning_effort: 'medium', tools, ...body }),
  })
}

/** Turn 2: the client sends its assistant tool-call message back with the tool's result. */
function secondTurn(apiKey: string, toolCalls: ToolCall[]) {
  routeGateway.upstream.enqueue(jsonReply(Bun.file(textFixture).text()))
  return chatRequest(apiKey, {
    messages: [question, { role: 'assistant', content: null, tool_calls: toolCalls }, { role: 'tool', tool_call_id: toolCalls[0]!.id, content: '18°C, clear' }],
  })
}

type SentTurn = { role: string; content: Array<Record<string, unknown>> }

function lastUpstreamBody(): { bodyText: string; body: { thinking?: { type: string }; messages: SentTurn[] } } {
  const bodyText = routeGateway.upstream.received.at(-1)!.bodyText
  return { bodyText, body: JSON.parse(bodyText) }
}

async function otherKey(): Promise<string> {
  const created = await createKey(routeGateway.gateway.connection, { name: 'other', creditMicros: 10_000_000 }, Date.now())
  return created.key
}

test('streamed: the next turn starts with the original thinking block, thinking still on', async () => {
  routeGateway.upstream.enqueue(sseReply(await Bun.file(streamFixture).text()))
  const first = await chatRequest(routeGateway.gateway.key, { stream: true, messages: [question] })
  expect(first.status).toBe(200)
  const { relayed } = splitCostTrailer(await first.text())
  const chunks = relayed
    .split('\n\n')
    .filter((event) => event.startsWith('data: {'))
    .map((event) => JSON.parse(event.slice(6)) as { choices: Array<{ delta: { tool_calls?: Array<{ id?: string; function?: { name?: string; arguments?: string } }> } }> })
  const fragments = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []))
  const id = fragments.find((fragment) => fragment.id !== undefined)?.id
  expect(id).toBe('toolu_01i8sk6qMg2KfCcXX9mSfcbY')
  const toolCalls: ToolCall[] = [
    { id: id!, type: 'function', function: { name: 'get_weather', arguments: fragments.map((fragment) => fragment.function?.arguments ?? '').join('') } },
  ]

  expect((await secondTurn(routeGateway.gateway.key, toolCalls)).status).toBe(200)
  const signature = await streamedSignature()
  const { bodyText, body } = lastUpstreamBody()
  expect(body.thinking?.type).toBe('enabled')
  expect(body.messages[1]!.role).toBe('assistant')
  expect(body.messages[1]!.content[0]).toEqual({ type: 'thinking', thinking: streamedThinking, signature })
  expect(body.messages[1]!.content[1]).toMatchObject({ type: 'tool_use', id: 'toolu_01i8sk6qMg2KfCcXX9mSfcbY' })
  expect(bodyText).toContain(`"signature":${JSON.stringify(signature)}`)

  // Another key sending the very same ids gets nothing back: its loop runs with thinking off, as before the vault.
  expect((await secondTurn(await otherKey(), toolCalls)).status).toBe(200)
  const other = lastUpstreamBody()
  expect(other.body.thinking).toBeUndefined()
  expect(other.bodyText).not.toContain(signature)
  expect(other.body.messages[1]!.content[0]).toMatchObject({ type: 'tool_use' })
})

test('whole: the next turn starts with the original thinking and redacted blocks, thinking still on', async () => {
  routeGateway.upstream.enqueue(jsonReply(wholeAnswer))
  const first = await chatRequest(routeGateway.gateway.key, { messages: [question] })
  expect(first.status).toBe(200)
  const answer = (await first.json()) as { choices: Array<{ message: { tool_calls: ToolCall[] } }> }
  const toolCalls = answer.choices[0]!.message.tool_calls
  expect(toolCalls.map((call) => call.id)).toEqual(['toolu_01WholeAnswerCall0000001'])

  expect((await secondTurn(routeGateway.gateway.key, toolCalls)).status).toBe(200)
  const { bodyText, body } = lastUpstreamBody()
  expect(body.thinking?.type).toBe('enabled')
  expect(body.messages[1]!.content.slice(0, 3)).toEqual([
    { type: 'thinking', thinking: wholeAnswer.content[0]!.thinking!, signature: wholeSignature },
    { type: 'redacted_thinking', data: wholeRedacted },
    { type: 'tool_use', id: 'toolu_01WholeAnswerCall0000001', name: 'get_weather', input: { location: 'Tokyo, Japan', unit: 'celsius' } },
  ])
  expect(bodyText).toContain(`"signature":${JSON.stringify(wholeSignature)}`)

  expect((await secondTurn(await otherKey(), toolCalls)).status).toBe(200)
  const other = lastUpstreamBody()
  expect(other.body.thinking).toBeUndefined()
  expect(other.bodyText).not.toContain(wholeSignature)
})

test('a turn whose ids differ from the vaulted set gets nothing back', async () => {
  routeGateway.upstream.enqueue(jsonReply(wholeAnswer))
  const first = await chatRequest(routeGateway.gateway.key, { messages: [question] })
  const answer = (await first.json()) as { choices: Array<{ message: { tool_calls: ToolCall[] } }> }
  const call = answer.choices[0]!.message.tool_calls[0]!
  expect((await secondTurn(routeGateway.gateway.key, [call, { ...call, id: 'toolu_01Extra' }])).status).toBe(200)
  expect(lastUpstreamBody().body.thinking).toBeUndefined()
})
