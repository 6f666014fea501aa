import { describe, expect, test } from 'bun:test'
import { jsonReply, sseReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { splitCostTrailer } from '../support/sdk-traffic.ts'
import { createTestGateway, useRouteGateway } from '../support/gateway.ts'

const routeGateway = useRouteGateway()

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  routeGateway.gateway.handle(path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })

describe('request bytes', () => {
  test('the body reaches the upstream byte for byte: spacing, escapes, number spelling and unknown fields', async () => {
    const body =
      '{\n  "model" : "claude-sonnet-4-6",\t"max_tokens":1.0e2,\n  "messages":[{"role":"user","content":"caf\\u00e9 ☕"}],' +
      '"future_feature":{"nested":[1,2,{"x":null}]}, "context_management":{"edits":[]} }'
    expect((await post('/v1/messages', body)).status).toBe(200)
    expect(routeGateway.upstream.received[0]!.bodyText).toBe(body)
  })

  test('an aliased model changes only the model value', async () => {
    const body = '{"model":"gpt-alias", "messages":[{"role":"user","content":"model: gpt-alias"}],"metadata":{"model":"gpt-alias"}}'
    expect((await post('/v1/chat/completions', body)).status).toBe(200)
    expect(routeGateway.upstream.received[0]!.bodyText).toBe(body.replace('{"model":"gpt-alias"', '{"model":"gpt-5-mini"'))
    expect(routeGateway.upstream.received[0]!.path).toBe('/v1/chat/completions')
  })

  test('credentials are swapped: the provider key goes up, the caller key never does', async () => {
    const anthropicBody = JSON.stringify({ model: 'claude-alias', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })
    await post('/v1/messages?beta=true', anthropicBody, {
      'x-api-key': routeGateway.gateway.key,
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'context-1m-2025-08-07',
      'x-stainless-lang': 'js',
    })
    await post('/v1/responses', JSON.stringify({ model: 'gpt-5-mini', input: 'hi' }), { authorization: `Bearer ${routeGateway.gateway.key}`, 'openai-organization': 'org-caller' })
    const [anthropicRequest, openaiRequest] = routeGateway.upstream.received
    expect(anthropicRequest!.path).toBe('/v1/messages')
    expect(anthropicRequest!.search).toBe('?beta=true')
    expect(anthropicRequest!.headers.get('x-api-key')).toBe(routeGateway.upstream.anthropicKey)
    expect(anthropicRequest!.headers.get('authorization')).toBeNull()
    expect(anthropicRequest!.headers.get('anthropic-version')).toBe('2023-06-01')
    expect(anthropicRequest!.headers.get('anthropic-beta')).toBe('context-1m-2025-08-07')
    expect(JSON.parse(anthropicRequest!.bodyText).model).toBe('claude-sonnet-4-6')
    expect(openaiRequest!.headers.get('authorization')).toBe(`Bearer ${routeGateway.upstream.openaiKey}`)
    expect(openaiRequest!.headers.get('openai-organization')).toBeNull()
    for (const request of routeGateway.upstream.received) {
      request.headers.forEach((value) => expect(value).not.toContain(routeGateway.gateway.key))
      expect(request.bodyText).not.toContain(routeGateway.gateway.key)
    }
  })

  test('a caller without anthropic-version gets the stable one added', async () => {
    await post('/v1/messages', JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }))
    expect(routeGateway.upstream.received[0]!.headers.get('anthropic-version')).toBe('2023-06-01')
  })
})

describe('response bytes', () => {
  test('a JSON answer comes back untouched, with the gateway request id', async () => {
    const fixture = await readFixture('upstream/anthropic/thinking.response.json')
    routeGateway.upstream.enqueue(jsonReply(fixture))
    const response = await post('/v1/messages', JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }))
    expect(await response.text()).toBe(fixture)
    expect(response.headers.get('request-id')).toMatch(/^req_/)
  })

  test('a stream comes back untouched, split anywhere, with SSE headers', async () => {
    const fixture = await readFixture('upstream/openai-chat/tool-calls.stream.sse')
    routeGateway.upstream.enqueue(sseReply(fixture, { chunkSizeBytes: 7 }))
    const body = { model: 'gpt-5-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }
    const response = await post('/v1/chat/completions', JSON.stringify(body))
    expect(response.headers.get('content-type')).toStartWith('text/event-stream')
    expect(response.headers.get('cache-control')).toBe('no-cache')
    expect(splitCostTrailer(await response.text()).relayed).toBe(fixture)
  })
})

describe('upstream errors', () => {
  const messagesBody = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })
  const chatBody = JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }] })

  test("errors in the caller's dialect pass through with their status and retry guidance", async () => {
    const overloaded = await readFixture('upstream/anthropic/error-overloaded.json')
    routeGateway.upstream.enqueue({ ...jsonReply(overloaded, 529), headers: { 'content-type': 'application/json', 'x-should-retry': 'true', 'anthropic-ratelimit-requests-remaining': '0' } })
    const response = await post('/v1/messages', messagesBody)
    expect(response.status).toBe(529)
    expect(await response.text()).toBe(overloaded)
    expect(response.headers.get('x-should-retry')).toBe('true')
    expect(response.headers.get('anthropic-ratelimit-requests-remaining')).toBeNull()

    const rateLimited = await readFixture('upstream/openai-chat/error-rate-limit.json')
    routeGateway.upstream.enqueue({ ...jsonReply(rateLimited, 429), headers: { 'content-type': 'application/json', 'retry-after': '7' } })
    const limited = await post('/v1/chat/completions', chatBody)
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('7')
    expect(await limited.text()).toBe(rateLimited)
  })

  test('a refused provider credential is a 502 that reveals nothing of the upstream answer', async () => {
    const refusal = await readFixture('upstream/openai-chat/error-invalid-api-key.json')
    routeGateway.upstream.enqueue(jsonReply(refusal, 401))
    const response = await post('/v1/chat/completions', chatBody)
    expect(response.status).toBe(502)
    const text = await response.text()
    expect(text).not.toContain('sk-')
    expect(JSON.parse(text).error).toMatchObject({ type: 'server_error', param: null })
    expect(routeGateway.gateway.logs.join('')).not.toContain(routeGateway.upstream.openaiKey)
  })

  test('a non-JSON upstream failure becomes the gateway error in the dialect', async () => {
    routeGateway.upstream.enqueue({ status: 502, body: '<html><body>Bad Gateway</body></html>', headers: { 'content-type': 'text/html' } })
    const response = await post('/v1/messages', messagesBody)
    expect(response.status).toBe(502)
    const body = (await response.json()) as { error: { type: string; message: string } }
    expect(body).toMatchObject({ type: 'error', error: { type: 'api_error' } })
    expect(body.error.message).not.toContain('html')
  })

  test('an upstream that cannot be reached is a 502 in the dialect, naming no URL', async () => {
    const unreachable = await createTestGateway({ ...routeGateway.upstream, url: 'http://127.0.0.1:1' })
    const response = await unreachable.handle('/v1/messages', { method: 'POST', body: messagesBody })
    expect(response.status).toBe(502)
    const body = (await response.json()) as { error: { type: string; message: string } }
    expect(body.error.type).toBe('api_error')
    expect(body.error.message).not.toContain('127.0.0.1')
    await unreachable.close()
  })
})
