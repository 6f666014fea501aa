/**
 * The official OpenAI SDK against the gateway, passthrough to an OpenAI upstream on Chat Completions and Responses:
 * replies (whole and streamed) arrive as the upstream wrote them, and the upstream receives the SDK's own bytes with
 * only the credential and the aliased model changed. Error paths are in openai-sdk-errors.test.ts.
 */
import { beforeEach, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { jsonReply, sseReply, type SseReplyOptions } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { useListeningGateway } from '../support/gateway.ts'
import { drain, fixtureEvents, headersContaining, recordingFetch, splitCostTrailer, type SentRequest } from '../support/sdk-traffic.ts'

const setup = useListeningGateway()
const sent: SentRequest[] = []

beforeEach(() => {
  sent.length = 0
})

function openAIClient(): OpenAI {
  return new OpenAI({ baseURL: `${setup.gateway.url}/v1`, apiKey: setup.gateway.key, maxRetries: 0, fetch: recordingFetch(sent) })
}

const chatParams = { model: 'gpt-5-mini', messages: [{ role: 'user' as const, content: 'Hi' }] }
const responseParams = { model: 'gpt-5-mini', input: 'Hi' }
const greeting = 'Hello! How can I help you today?'

async function enqueueStream(fixture: string, options: SseReplyOptions = {}): Promise<string> {
  const text = await readFixture(`upstream/${fixture}`)
  setup.upstream.enqueue(sseReply(text, options))
  return text
}

type ChunkToolCall = { index: number; id?: string; function?: { name?: string; arguments?: string } }

/** Tool calls as a recorded Chat stream describes them: keyed by index, arguments joined from their fragments. */
function toolCallsOfStream(fixtureText: string): { id: string; name: string; arguments: string }[] {
  const calls: { id: string; name: string; arguments: string }[] = []
  for (const chunk of fixtureEvents(fixtureText)) {
    const choices = chunk.choices as { delta: { tool_calls?: ChunkToolCall[] } }[]
    for (const call of choices[0]?.delta.tool_calls ?? []) {
      calls[call.index] ??= { id: '', name: '', arguments: '' }
      const assembled = calls[call.index]!
      if (call.id !== undefined) assembled.id = call.id
      if (call.function?.name !== undefined) assembled.name = call.function.name
      assembled.arguments += call.function?.arguments ?? ''
    }
  }
  return calls
}

describe('Chat Completions', () => {
  test('a whole reply is the upstream JSON, with the gateway request id', async () => {
    const fixture = await readFixture('upstream/openai-chat/text.response.json')
    setup.upstream.enqueue(jsonReply(fixture))
    const promise = openAIClient().chat.completions.create(chatParams)
    const [completion, response] = await Promise.all([promise, promise.asResponse()])
    expect(completion).toEqual(JSON.parse(fixture))
    expect(response.headers.get('x-request-id')).toMatch(/^req_\w+$/)
    expect(completion._request_id).toBe(response.headers.get('x-request-id'))
  })

  test('iterating a stream yields every upstream chunk', async () => {
    const fixtureText = await enqueueStream('openai-chat/text.stream.sse')
    const { items, thrown } = await drain(
      await openAIClient().chat.completions.create({ ...chatParams, stream: true, stream_options: { include_usage: true } }),
    )
    expect(thrown).toBeUndefined()
    expect<unknown>(items).toEqual(fixtureEvents(fixtureText))
    expect(items.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(greeting)
  })

  test('stream().finalChatCompletion() assembles the text, finish reason and usage', async () => {
    const fixtureText = await enqueueStream('openai-chat/text.stream.sse')
    const completion = await openAIClient()
      .chat.completions.stream({ ...chatParams, stream_options: { include_usage: true } })
      .finalChatCompletion()
    expect(completion.choices[0]?.message.content).toBe(greeting)
    expect(completion.choices[0]?.finish_reason).toBe('stop')
    expect(completion.usage).toEqual(fixtureEvents(fixtureText).at(-1)!.usage as OpenAI.CompletionUsage)
  })

  test('parallel tool calls stream into two whole calls in finalChatCompletion()', async () => {
    const fixtureText = await enqueueStream('openai-chat/tool-calls.stream.sse')
    const expected = toolCallsOfStream(fixtureText)
    const parsedArguments = expected.map((call) => JSON.parse(call.arguments))
    expect(parsedArguments).toEqual([{ location: 'Paris, France' }, { location: 'Tokyo, Japan' }])
    const completion = await openAIClient()
      .chat.completions.stream({ ...chatParams, stream_options: { include_usage: true } })
      .finalChatCompletion()
    const choice = completion.choices[0]!
    expect(choice.finish_reason).toBe('tool_calls')
    expect(choice.message.tool_calls).toMatchObject(
      expected.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
    )
  })
})

describe('Responses', () => {
  test('a whole reply is the upstream JSON, with output_text', async () => {
    const fixture = await readFixture('upstream/openai-responses/text.response.json')
    setup.upstream.enqueue(jsonReply(fixture))
    const response = await openAIClient().responses.create(responseParams)
    expect(response).toMatchObject(JSON.parse(fixture))
    expect(response.output_text).toBe(greeting)
  })

  test('stream().finalResponse() is the completed response', async () => {
    const fixtureText = await enqueueStream('openai-responses/text.stream.sse')
    const completed = fixtureEvents(fixtureText).at(-1)!
    expect(completed.type).toBe('response.completed')
    const response = await openAIClient().responses.stream(responseParams).finalResponse()
    expect(response).toMatchObject(completed.response as object)
    expect(response.output_text).toBe(greeting)
  })

  test('iterating a stream yields every upstream event', async () => {
    const fixtureText = await enqueueStream('openai-responses/text.stream.sse')
    const { items, thrown } = await drain(await openAIClient().responses.create({ ...responseParams, stream: true }))
    expect(thrown).toBeUndefined()
    expect<unknown>(items).toEqual(fixtureEvents(fixtureText))
  })

  const functionCall = {
    type: 'function_call',
    name: 'get_weather',
    arguments: '{"location":"Paris, France"}',
    status: 'completed',
  }

  test('a function call, whole', async () => {
    setup.upstream.enqueue(jsonReply(await readFixture('upstream/openai-responses/function-call.response.json')))
    const response = await openAIClient().responses.create(responseParams)
    expect(response.output[1]).toMatchObject({ ...functionCall, call_id: 'call_QNGrZhczbSDlsE9k6pJ2YmWv' })
  })

  test('a function call, streamed into finalResponse()', async () => {
    await enqueueStream('openai-responses/function-call.stream.sse')
    const response = await openAIClient().responses.stream(responseParams).finalResponse()
    expect(response.status).toBe('completed')
    expect(response.output[1]).toMatchObject({ ...functionCall, call_id: 'call_LGpESmPMAs2HibEmmkCD2Tnf' })
  })
})

describe('raw bytes', () => {
  const cases: { fixture: string; path: 'chat' | 'responses'; label: string; options: SseReplyOptions }[] = [
    { fixture: 'openai-chat/text.stream.sse', path: 'chat', label: 'one chunk per event', options: {} },
    { fixture: 'openai-chat/tool-calls.stream.sse', path: 'chat', label: '5-byte chunks', options: { chunkSizeBytes: 5 } },
    { fixture: 'openai-responses/text.stream.sse', path: 'responses', label: 'one chunk per event', options: {} },
    {
      fixture: 'openai-responses/function-call.stream.sse',
      path: 'responses',
      label: '3-byte chunks',
      options: { chunkSizeBytes: 3 },
    },
  ]
  test.each(cases)('$fixture in $label reaches the client unchanged', async ({ fixture, path, options }) => {
    const fixtureText = await enqueueStream(fixture, options)
    const client = openAIClient()
    const response =
      path === 'chat'
        ? await client.chat.completions.create({ ...chatParams, stream: true, stream_options: { include_usage: true } }).asResponse()
        : await client.responses.create({ ...responseParams, stream: true }).asResponse()
    expect(response.headers.get('content-type')).toStartWith('text/event-stream')
    expect(splitCostTrailer(await response.text()).relayed).toBe(fixtureText)
  })

  test('a chat stream without include_usage: usage is asked for upstream and its chunk kept from the client', async () => {
    const fixtureText = await enqueueStream('openai-chat/text.stream.sse')
    const response = await openAIClient().chat.completions.create({ ...chatParams, stream: true }).asResponse()
    const { relayed } = splitCostTrailer(await response.text())
    const usageChunk = fixtureText.split(/(?<=\n\n)/).find((event) => event.includes('"choices":[]'))!
    expect(relayed).toBe(fixtureText.replace(usageChunk, ''))
    expect(JSON.parse(setup.upstream.received[0]!.bodyText).stream_options).toEqual({ include_usage: true })
  })
})

describe('what the upstream receives', () => {
  const richChat = {
    model: 'gpt-5-mini',
    messages: [
      { role: 'developer' as const, content: 'Be brief. Ünïcödé ☀️ and "quotes" survive.' },
      { role: 'user' as const, content: 'Weather in Zürich and Paris?' },
    ],
    tools: [
      {
        type: 'function' as const,
        function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    ],
    parallel_tool_calls: true,
    max_completion_tokens: 300,
    reasoning_effort: 'low' as const,
  }

  test('chat: the SDK body bytes and only the provider Bearer key', async () => {
    await openAIClient().chat.completions.create(richChat)
    expect(setup.upstream.received).toHaveLength(1)
    const received = setup.upstream.received[0]!
    expect(received.path).toBe('/v1/chat/completions')
    expect(received.bodyText).toBe(sent[0]!.bodyText)
    expect(JSON.parse(received.bodyText)).toEqual(richChat)
    expect(sent[0]!.headers.get('authorization')).toBe(`Bearer ${setup.gateway.key}`)
    expect(received.headers.get('authorization')).toBe(`Bearer ${setup.upstream.openaiKey}`)
    expect(headersContaining(received.headers, setup.gateway.key)).toEqual([])
  })

  test('responses: the SDK body bytes and only the provider Bearer key', async () => {
    const input = [{ role: 'user' as const, content: 'Hi "there"' }]
    const params = { model: 'gpt-5-mini', instructions: 'Be brief ☀️', input, store: false }
    await openAIClient().responses.create(params)
    const received = setup.upstream.received[0]!
    expect(received.path).toBe('/v1/responses')
    expect(received.bodyText).toBe(sent[0]!.bodyText)
    expect(JSON.parse(received.bodyText)).toEqual(params)
    expect(received.headers.get('authorization')).toBe(`Bearer ${setup.upstream.openaiKey}`)
    expect(headersContaining(received.headers, setup.gateway.key)).toEqual([])
  })

  test('an alias changes only the top-level model, to the upstream id', async () => {
    const messages = [{ role: 'user' as const, content: 'Say {"model":"gpt-alias"}' }]
    const params = { model: 'gpt-alias', messages, metadata: { model: 'gpt-alias' } }
    await openAIClient().chat.completions.create(params)
    const sentBody = sent[0]!.bodyText
    expect(sentBody).toStartWith('{"model":"gpt-alias",')
    expect(setup.upstream.received[0]!.bodyText).toBe(sentBody.replace('"model":"gpt-alias"', '"model":"gpt-5-mini"'))
    expect(JSON.parse(setup.upstream.received[0]!.bodyText)).toEqual({ ...params, model: 'gpt-5-mini' })
  })
})
