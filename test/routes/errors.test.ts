import { describe, expect, test } from 'bun:test'

import { useRouteGateway } from '../support/gateway.ts'

const routeGateway = useRouteGateway({ limits: { bodyBytesMax: 64 * 1024, jsonDepthMax: 32 } })

type Endpoint = { path: string; dialect: 'anthropic' | 'openai'; valid: Record<string, unknown> }

const endpoints: Endpoint[] = [
  { path: '/v1/messages', dialect: 'anthropic', valid: { model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] } },
  { path: '/v1/messages/count_tokens', dialect: 'anthropic', valid: { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] } },
  { path: '/v1/chat/completions', dialect: 'openai', valid: { model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }] } },
  { path: '/v1/responses', dialect: 'openai', valid: { model: 'gpt-5-mini', input: 'hi' } },
]

/** Asserts the body is the dialect's error envelope with this status, and returns the error object. */
async function expectError(response: Response, dialect: 'anthropic' | 'openai', status: number) {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toContain('application/json')
  const body = (await response.json()) as Record<string, any>
  if (dialect === 'anthropic') {
    expect(body.type).toBe('error')
    expect(typeof body.error.type).toBe('string')
    expect(typeof body.error.message).toBe('string')
    expect(body.request_id).toBe(response.headers.get('request-id'))
  } else {
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type'])
    expect(response.headers.get('x-request-id')).toMatch(/^req_/)
  }
  return body.error as { type: string; message: string; code?: string | null; param?: string | null }
}

const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  routeGateway.gateway.handle(path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } })

describe('authentication', () => {
  for (const endpoint of endpoints) {
    test(`${endpoint.path}: missing, unknown and revoked keys get 401 in the ${endpoint.dialect} dialect`, async () => {
      const body = JSON.stringify(endpoint.valid)
      const attempts: Array<Record<string, string>> = [{ authorization: '' }, { 'x-api-key': 'anv_not_a_real_key' }, { authorization: `Bearer ${routeGateway.gateway.revokedKey}` }]
      for (const headers of attempts) {
        const error = await expectError(await post(endpoint.path, body, headers), endpoint.dialect, 401)
        if (endpoint.dialect === 'anthropic') expect(error.type).toBe('authentication_error')
        else expect(error.code).toBe('invalid_api_key')
      }
      expect(routeGateway.upstream.received).toHaveLength(0)
    })
  }

  test('an unauthenticated caller is refused before its body is read', async () => {
    const response = await post('/v1/messages', '{not json', { 'x-api-key': 'anv_wrong' })
    expect((await expectError(response, 'anthropic', 401)).type).toBe('authentication_error')
  })

  test('accepts Bearer as well as x-api-key, and x-api-key wins when both are sent', async () => {
    const body = JSON.stringify(endpoints[2]!.valid)
    expect((await post('/v1/chat/completions', body, { authorization: `Bearer ${routeGateway.gateway.key}` })).status).toBe(200)
    expect((await post('/v1/chat/completions', body, { 'x-api-key': routeGateway.gateway.key, authorization: 'Bearer anv_wrong' })).status).toBe(200)
    expect((await post('/v1/chat/completions', body, { 'x-api-key': 'anv_wrong', authorization: `Bearer ${routeGateway.gateway.key}` })).status).toBe(401)
  })

  test('GET /v1/models requires a key too, and /healthz does not', async () => {
    await expectError(await routeGateway.gateway.handle('/v1/models', { headers: { authorization: 'Bearer nope' } }), 'openai', 401)
    expect((await routeGateway.gateway.handle('/healthz', { headers: { authorization: 'Bearer nope' } })).status).toBe(200)
  })
})

describe('envelope validation', () => {
  const invalidBodies: Array<[string, (valid: Record<string, unknown>) => string | Uint8Array, number]> = [
    ['malformed JSON', () => '{"model": "x",', 400],
    ['invalid UTF-8', () => new Uint8Array([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), 400],
    ['a JSON array', () => '[]', 400],
    ['an empty body', () => '', 400],
    ['a missing model', (valid) => JSON.stringify({ ...valid, model: undefined }), 400],
    ['a numeric model', (valid) => JSON.stringify({ ...valid, model: 42 }), 400],
    ['stream as a string', (valid) => JSON.stringify({ ...valid, stream: 'yes' }), 400],
    ['tools as an object', (valid) => JSON.stringify({ ...valid, tools: { name: 'x' } }), 400],
    ['absurd nesting', (valid) => JSON.stringify({ ...valid, metadata: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) }), 400],
    ['a body over the size limit', (valid) => JSON.stringify({ ...valid, padding: 'x'.repeat(70 * 1024) }), 413],
  ]
  for (const endpoint of endpoints) {
    for (const [name, build, status] of invalidBodies) {
      // count_tokens has no `stream` field: Anthropic judges extra fields there itself.
      if (endpoint.path.endsWith('count_tokens') && name.startsWith('stream')) continue
      test(`${endpoint.path}: ${name} → ${status} in the ${endpoint.dialect} dialect, never forwarded`, async () => {
        const error = await expectError(await post(endpoint.path, build(endpoint.valid)), endpoint.dialect, status)
        if (status === 413) expect(endpoint.dialect === 'anthropic' ? error.type : error.code).toBe('request_too_large')
        else if (endpoint.dialect === 'anthropic') expect(error.type).toBe('invalid_request_error')
        expect(routeGateway.upstream.received).toHaveLength(0)
      })
    }
  }

  test('names the field at fault, as the APIs do', async () => {
    const missing = await expectError(await post('/v1/messages', JSON.stringify({ model: 'claude-sonnet-4-6', messages: [] })), 'anthropic', 400)
    expect(missing.message).toBe('max_tokens: Field required')
    const role = await expectError(await post('/v1/messages', JSON.stringify({ ...endpoints[0]!.valid, messages: [{ role: 'bot', content: 'x' }] })), 'anthropic', 400)
    expect(role.message).toContain('messages.0.role')
    const absurd = await expectError(await post('/v1/chat/completions', JSON.stringify({ ...endpoints[2]!.valid, max_tokens: 1e300 })), 'openai', 400)
    expect(absurd.param).toBe('max_tokens')
    expect(absurd.type).toBe('invalid_request_error')
  })

  test('a JSON body is accepted whatever its content-type', async () => {
    const body = JSON.stringify(endpoints[0]!.valid)
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain']) {
      expect((await post('/v1/messages', body, { 'content-type': contentType })).status).toBe(200)
    }
  })
})

describe('routing errors', () => {
  for (const endpoint of endpoints) {
    test(`${endpoint.path}: an unknown model is a 404 in the ${endpoint.dialect} dialect`, async () => {
      const error = await expectError(await post(endpoint.path, JSON.stringify({ ...endpoint.valid, model: 'no-such-model' })), endpoint.dialect, 404)
      if (endpoint.dialect === 'anthropic') expect(error.type).toBe('not_found_error')
      else expect(error.code).toBe('model_not_found')
      expect(routeGateway.upstream.received).toHaveLength(0)
    })
  }

  test('an unknown /v1 route is a 404 in the OpenAI dialect, an unknown messages route in Anthropic', async () => {
    expect((await expectError(await post('/v1/nothing', '{}'), 'openai', 404)).code).toBe('unknown_url')
    expect((await expectError(await post('/v1/messages/nothing', '{}'), 'anthropic', 404)).type).toBe('not_found_error')
  })
})
