/**
 * The official OpenAI SDK against the gateway when something fails: the caller's own mistakes never reach the
 * upstream, upstream errors arrive as the SDK's error classes with their retry guidance, a refused provider key is
 * never shown to the caller, and a cut stream makes the SDK fail rather than report success.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import OpenAI, {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
} from 'openai'
import { jsonReply, sseReply, startFakeUpstream, type FakeUpstream, type SseReplyOptions } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { startTestGateway, type ListeningTestGateway } from '../support/gateway.ts'
import { drain, fixtureEvents, rejectionOf } from '../support/sdk-traffic.ts'

// A key with no words in it, so "no fragment of the key leaks" cannot match ordinary message text by accident.
const providerKey = 'sk-proj-T3stK3yQx9Wm2Lp7Vb4Nc8RdJh5Gf'

let upstream: FakeUpstream
let gateway: ListeningTestGateway

beforeAll(async () => {
  upstream = await startFakeUpstream({ openaiKey: providerKey })
  gateway = await startTestGateway(upstream)
})
beforeEach(() => {
  upstream.clear()
})
afterAll(async () => {
  await gateway.stop()
  await upstream.stop()
})

/** A client presenting `apiKey` as its Bearer token, or no credential at all when it is null. */
function openAIClient(apiKey: string | null = gateway.key, maxRetries = 0): OpenAI {
  if (apiKey !== null) return new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries })
  // The SDK insists on a key; a null default header removes the Authorization it would send.
  return new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', defaultHeaders: { authorization: null }, maxRetries })
}

const chatParams = { model: 'gpt-5-mini', messages: [{ role: 'user' as const, content: 'Hi' }] }
const anthropicModel = 'claude-sonnet-4-6'

/** Asserts an OpenAI error envelope with all four keys, and returns the SDK's view of it. */
function expectEnvelope(error: unknown, errorClass: new (...args: never[]) => APIError, code: string | null): APIError {
  expect(error).toBeInstanceOf(errorClass)
  const apiError = error as APIError
  const envelope = { message: expect.any(String), type: expect.any(String), param: apiError.param ?? null, code }
  expect(apiError.error).toEqual(envelope)
  expect(apiError.code ?? null).toBe(code)
  return apiError
}

describe("the caller's mistakes stop at the gateway", () => {
  test.each([
    { label: 'no key', key: () => null },
    { label: 'an unknown key', key: () => 'anvat-not-a-real-key' },
    { label: 'a revoked key', key: () => gateway.revokedKey },
  ])('$label → AuthenticationError with code invalid_api_key', async ({ key }) => {
    const error = await rejectionOf(openAIClient(key()).chat.completions.create(chatParams))
    const apiError = expectEnvelope(error, AuthenticationError, 'invalid_api_key')
    expect(apiError.status).toBe(401)
    expect(apiError.requestID).toMatch(/^req_\w+$/)
    expect(upstream.received).toEqual([])
  })

  test('an unknown model → NotFoundError with code model_not_found', async () => {
    const error = await rejectionOf(openAIClient().chat.completions.create({ ...chatParams, model: 'gpt-nonexistent' }))
    const apiError = expectEnvelope(error, NotFoundError, 'model_not_found')
    expect(apiError.message).toContain('gpt-nonexistent')
    expect(upstream.received).toEqual([])
  })

  test('empty messages → BadRequestError, and nothing reaches the upstream', async () => {
    const error = await rejectionOf(openAIClient().chat.completions.create({ ...chatParams, messages: [] }))
    const apiError = expectEnvelope(error, BadRequestError, 'invalid_request_error')
    expect(apiError.message).toContain('messages')
    expect(upstream.received).toEqual([])
  })

  test('responses: a built-in tool a Claude model cannot run → BadRequestError naming it, and nothing reaches the upstream', async () => {
    const error = await rejectionOf(openAIClient().responses.create({ model: anthropicModel, input: 'Hi', tools: [{ type: 'web_search' }] }))
    const apiError = expectEnvelope(error, BadRequestError, 'invalid_request_error')
    expect(apiError.message).toContain('web_search')
    expect(apiError.param).toBe('tools[0].type')
    expect(upstream.received).toEqual([])
  })
})

describe('upstream errors before the stream', () => {
  test('429 → RateLimitError with the upstream body and its retry-after', async () => {
    const fixture = await readFixture('upstream/openai-chat/error-rate-limit.json')
    upstream.enqueue({ ...jsonReply(fixture, 429), headers: { 'content-type': 'application/json', 'retry-after': '7' } })
    const error = await rejectionOf(openAIClient().chat.completions.create(chatParams))
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as APIError).error).toEqual(JSON.parse(fixture).error)
    expect((error as APIError).code).toBe('rate_limit_exceeded')
    expect((error as APIError).headers?.get('retry-after')).toBe('7')
    expect(upstream.received).toHaveLength(1)
  })

  test('a relayed retry-after-ms lets the SDK retry a 429 and succeed', async () => {
    const fixture = await readFixture('upstream/openai-chat/error-rate-limit.json')
    upstream.enqueue({ ...jsonReply(fixture, 429), headers: { 'content-type': 'application/json', 'retry-after-ms': '20' } })
    const completion = await openAIClient(gateway.key, 1).chat.completions.create(chatParams)
    expect(completion.choices[0]?.message.content).toBe('Hello! How can I help you today?')
    expect(upstream.received).toHaveLength(2)
  })

  test('401 (the provider key refused) → a 502 that shows neither the upstream body nor the key', async () => {
    const fixture = await readFixture('upstream/openai-chat/error-invalid-api-key.json')
    upstream.enqueue(jsonReply(fixture, 401))
    const error = await rejectionOf(openAIClient().chat.completions.create(chatParams))
    expect(error).toBeInstanceOf(InternalServerError)
    const apiError = error as APIError
    expect(apiError.status).toBe(502)
    const shown = `${apiError.message}\n${JSON.stringify(apiError.error)}`
    const upstreamMessage = JSON.parse(fixture).error.message as string
    expect(shown).not.toContain(upstreamMessage.slice(0, 20))
    expect(shown).not.toContain('sk-abc***********xyz')
    const keyFragments = Array.from({ length: providerKey.length - 7 }, (_, start) => providerKey.slice(start, start + 8))
    expect(keyFragments.filter((fragment) => shown.includes(fragment))).toEqual([])
    expect(gateway.logs.join('\n')).not.toContain(providerKey)
  })

  test('an HTML 503 from a proxy → the gateway’s own error in the OpenAI envelope, with retry-after', async () => {
    const headers = { 'content-type': 'text/html', 'retry-after': '3' }
    upstream.enqueue({ status: 503, headers, body: '<html>503 Service Unavailable</html>' })
    const error = await rejectionOf(openAIClient().chat.completions.create(chatParams))
    const apiError = expectEnvelope(error, InternalServerError, 'server_error')
    expect(apiError.status).toBe(503)
    expect(apiError.message).not.toContain('<html>')
    expect(apiError.headers?.get('retry-after')).toBe('3')
  })
})

describe('streams that fail', () => {
  async function enqueueStream(fixture: string, options: SseReplyOptions = {}): Promise<string> {
    const text = await readFixture(`upstream/${fixture}`)
    upstream.enqueue(sseReply(text, options))
    return text
  }

  const cuts = [
    { label: 'a chat stream that ends without [DONE]', fixture: 'openai-chat/cut.stream.sse', options: {} },
    {
      label: 'a chat connection reset mid-stream',
      fixture: 'openai-chat/text.stream.sse',
      options: { eventsMax: 4, resetAfterChunks: true },
    },
  ]

  test.each(cuts)('$label: iteration yields the partial chunks, then throws', async ({ fixture, options }) => {
    const fixtureText = await enqueueStream(fixture, options)
    const { items, thrown } = await drain(await openAIClient().chat.completions.create({ ...chatParams, stream: true }))
    expect<unknown>(items).toEqual(fixtureEvents(fixtureText).slice(0, options.eventsMax))
    expect(thrown).toBeInstanceOf(APIError)
    expect((thrown as APIError).code).toBe('server_error')
  })

  test.each(cuts)('$label: finalChatCompletion() rejects', async ({ fixture, options }) => {
    await enqueueStream(fixture, options)
    const error = await rejectionOf(openAIClient().chat.completions.stream(chatParams).finalChatCompletion())
    expect(error).toBeInstanceOf(APIError)
  })

  test('a cut Responses stream: raw iteration ends with error then response.failed, never completed', async () => {
    const fixtureText = await enqueueStream('openai-responses/text.stream.sse', { eventsMax: 8, resetAfterChunks: true })
    const delivered = fixtureEvents(fixtureText).slice(0, 8)
    const stream = await openAIClient().responses.create({ model: 'gpt-5-mini', input: 'Hi', stream: true })
    const { items, thrown } = await drain(stream)
    expect(thrown).toBeUndefined()
    expect<unknown>(items.slice(0, 8)).toEqual(delivered)
    expect(items.slice(8).map((event) => [event.type, event.sequence_number])).toEqual([
      ['error', 8],
      ['response.failed', 9],
    ])
    const failed = items[9] as OpenAI.Responses.ResponseFailedEvent
    const createdId = (delivered[0]!.response as { id: string }).id
    expect(failed.response).toMatchObject({ id: createdId, status: 'failed', error: { code: 'server_error' } })
  })

  test('a cut Responses stream: finalResponse() rejects with the in-band error', async () => {
    await enqueueStream('openai-responses/text.stream.sse', { eventsMax: 8, resetAfterChunks: true })
    const error = await rejectionOf(openAIClient().responses.stream({ model: 'gpt-5-mini', input: 'Hi' }).finalResponse())
    expect(error).toMatchObject({ code: 'server_error', message: expect.any(String) })
  })
})
