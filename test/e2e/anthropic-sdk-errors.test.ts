/**
 * The official Anthropic SDK against the gateway when something fails: the caller's own mistakes never reach the
 * upstream, upstream errors arrive as the SDK's error classes, and a stream that fails or is cut makes the SDK throw
 * rather than return a partial message as if it were whole.
 */
import Anthropic, {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
} from '@anthropic-ai/sdk'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { jsonReply, sseReply, startFakeUpstream, type FakeUpstream, type SseReplyOptions } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { startTestGateway, type ListeningTestGateway } from '../support/gateway.ts'
import { drain, fixtureEvents, rejectionOf, splitCostTrailer } from '../support/sdk-traffic.ts'

let upstream: FakeUpstream
let gateway: ListeningTestGateway

beforeAll(async () => {
  upstream = await startFakeUpstream()
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
function anthropicClient(apiKey: string | null = gateway.key): Anthropic {
  if (apiKey !== null) return new Anthropic({ baseURL: gateway.url, apiKey, maxRetries: 0 })
  // The SDK insists on a credential; a null default header removes the one it would send.
  return new Anthropic({ baseURL: gateway.url, apiKey: 'unused', defaultHeaders: { authorization: null }, maxRetries: 0 })
}

const params = { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'Hi' }] }

type AnthropicErrorBody = { type: string; error: { type: string; message: string }; request_id: string }

/** Asserts the error carries the gateway's Anthropic envelope with `type`, and that its request id matches the header. */
function expectGatewayEnvelope(error: APIError, type: string): AnthropicErrorBody {
  const body = error.error as AnthropicErrorBody
  expect(body).toEqual({
    type: 'error',
    error: { type, message: expect.any(String) },
    request_id: expect.stringMatching(/^req_\w+$/),
  })
  expect(error.requestID).toBe(body.request_id)
  return body
}

describe("the caller's mistakes stop at the gateway", () => {
  test.each([
    { label: 'no key', key: () => null },
    { label: 'an unknown key', key: () => 'anvat-not-a-real-key' },
    { label: 'a revoked key', key: () => gateway.revokedKey },
  ])('$label → AuthenticationError 401 in the Anthropic envelope', async ({ key }) => {
    const error = await rejectionOf(anthropicClient(key()).messages.create(params))
    expect(error).toBeInstanceOf(AuthenticationError)
    expectGatewayEnvelope(error as APIError, 'authentication_error')
    expect(upstream.received).toEqual([])
  })

  test('an unknown model → NotFoundError with not_found_error', async () => {
    const error = await rejectionOf(anthropicClient().messages.create({ ...params, model: 'claude-nonexistent-9' }))
    expect(error).toBeInstanceOf(NotFoundError)
    const body = expectGatewayEnvelope(error as APIError, 'not_found_error')
    expect(body.error.message).toContain('claude-nonexistent-9')
    expect(upstream.received).toEqual([])
  })

  test('max_tokens as a string → BadRequestError naming the field, and nothing reaches the upstream', async () => {
    const invalid = { ...params, max_tokens: '1024' as unknown as number }
    const error = await rejectionOf(anthropicClient().messages.create(invalid))
    expect(error).toBeInstanceOf(BadRequestError)
    const body = expectGatewayEnvelope(error as APIError, 'invalid_request_error')
    expect(body.error.message).toContain('max_tokens')
    expect(upstream.received).toEqual([])
  })
})

describe('upstream errors before the stream', () => {
  test('529 overloaded → APIError 529 with the upstream body and retry-after, tried once', async () => {
    const fixture = await readFixture('upstream/anthropic/error-overloaded.json')
    upstream.enqueue({ ...jsonReply(fixture, 529), headers: { 'content-type': 'application/json', 'retry-after': '2' } })
    const error = await rejectionOf(anthropicClient().messages.create(params))
    expect(error).toBeInstanceOf(APIError)
    expect((error as APIError).status).toBe(529)
    expect((error as APIError).headers?.get('retry-after')).toBe('2')
    expect((error as APIError).error).toEqual(JSON.parse(fixture))
    expect((error as APIError).type).toBe('overloaded_error')
    expect(upstream.received).toHaveLength(1)
  })

  test('400 invalid request → BadRequestError relaying the upstream message', async () => {
    const fixture = await readFixture('upstream/anthropic/error-invalid-request.json')
    upstream.enqueue(jsonReply(fixture, 400))
    const error = await rejectionOf(anthropicClient().messages.create(params))
    expect(error).toBeInstanceOf(BadRequestError)
    expect((error as APIError).apiMessage).toBe('messages: text content blocks must be non-empty')
  })

  test('401 from the upstream (the provider key refused) → the gateway’s own 502, without the key', async () => {
    // An upstream that echoes the refused key, to prove neither its body nor the key is relayed (or logged).
    const message = `invalid x-api-key ${upstream.anthropicKey}`
    const refusal = { type: 'error', error: { type: 'authentication_error', message }, request_id: 'req_011CUp' }
    upstream.enqueue(jsonReply(refusal, 401))
    const error = await rejectionOf(anthropicClient().messages.create(params))
    expect(error).toBeInstanceOf(InternalServerError)
    expect((error as APIError).status).toBe(502)
    expectGatewayEnvelope(error as APIError, 'api_error')
    const relayed = JSON.stringify((error as APIError).error)
    expect(relayed).not.toContain('invalid x-api-key')
    expect(relayed).not.toContain(upstream.anthropicKey)
    expect((error as APIError).requestID).not.toBe('req_011CUp')
    expect(gateway.logs.join('\n')).not.toContain(upstream.anthropicKey)
  })

  test('an HTML error page → the gateway’s own error in the Anthropic envelope', async () => {
    const page = '<html><body>502 Bad Gateway</body></html>'
    upstream.enqueue({ status: 502, headers: { 'content-type': 'text/html' }, body: page })
    const error = await rejectionOf(anthropicClient().messages.create(params))
    expect(error).toBeInstanceOf(InternalServerError)
    expect((error as APIError).status).toBe(502)
    const body = expectGatewayEnvelope(error as APIError, 'api_error')
    expect(body.error.message).not.toContain('<html>')
  })
})

describe('streams that fail', () => {
  async function enqueueStream(fixture: string, options: SseReplyOptions = {}): Promise<string> {
    const text = await readFixture(`upstream/anthropic/${fixture}`)
    upstream.enqueue(sseReply(text, options))
    return text
  }

  test('an upstream error event mid-stream: iteration yields the deltas before it, then throws its type', async () => {
    const fixtureText = await enqueueStream('error-midstream.stream.sse')
    const { items, thrown } = await drain(await anthropicClient().messages.create({ ...params, stream: true }))
    const before = fixtureEvents(fixtureText).filter((event) => event.type !== 'ping' && event.type !== 'error')
    expect<unknown>(items).toEqual(before)
    expect(thrown).toBeInstanceOf(APIError)
    expect((thrown as APIError).type).toBe('overloaded_error')
  })

  test('an upstream error event mid-stream: finalMessage() rejects', async () => {
    await enqueueStream('error-midstream.stream.sse')
    const error = await rejectionOf(anthropicClient().messages.stream(params).finalMessage())
    expect(error).toBeInstanceOf(APIError)
    expect((error as APIError).type).toBe('overloaded_error')
  })

  const cuts = [
    { label: 'a stream that ends without message_stop', fixture: 'cut.stream.sse', options: {} },
    {
      label: 'a connection reset mid-stream',
      fixture: 'text.stream.sse',
      options: { eventsMax: 5, resetAfterChunks: true },
    },
  ]

  test.each(cuts)('$label: raw iteration throws after the partial events', async ({ fixture, options }) => {
    const fixtureText = await enqueueStream(fixture, options)
    const { items, thrown } = await drain(await anthropicClient().messages.create({ ...params, stream: true }))
    const delivered = fixtureEvents(fixtureText).slice(0, options.eventsMax).filter((event) => event.type !== 'ping')
    expect<unknown>(items).toEqual(delivered)
    expect(thrown).toBeInstanceOf(APIError)
    expect((thrown as APIError).type).toBe('api_error')
  })

  test.each(cuts)('$label: finalMessage() rejects instead of returning a partial message', async ({ fixture, options }) => {
    await enqueueStream(fixture, options)
    const error = await rejectionOf(anthropicClient().messages.stream(params).finalMessage())
    expect(error).toBeInstanceOf(APIError)
  })

  test.each(cuts)('$label: the raw body is the partial upstream bytes and one error event', async ({ fixture, options }) => {
    const fixtureText = await enqueueStream(fixture, options)
    const response = await anthropicClient().messages.create({ ...params, stream: true }).asResponse()
    const text = splitCostTrailer(await response.text()).relayed
    const partial = fixtureText.split(/(?<=\n\n)/).slice(0, options.eventsMax).join('')
    expect(text.startsWith(partial)).toBe(true)
    const ending = text.slice(partial.length)
    expect(ending).toMatch(/^event: error\ndata: .*\n\n$/)
    const errorEvent = JSON.parse(ending.slice(ending.indexOf('data: ') + 6)) as AnthropicErrorBody
    expect(errorEvent).toEqual({
      type: 'error',
      error: { type: 'api_error', message: expect.any(String) },
      request_id: response.headers.get('request-id')!,
    })
  })
})
