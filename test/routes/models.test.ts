import { describe, expect, test } from 'bun:test'

import { useRouteGateway } from '../support/gateway.ts'

const routeGateway = useRouteGateway()

/** Bodies in tests are read loosely: the assertions are the type check. */
const json = async (response: Promise<Response> | Response): Promise<any> => (await response).json()

const asOpenAI = () => ({ authorization: `Bearer ${routeGateway.gateway.key}` })
const asAnthropic = () => ({ 'x-api-key': routeGateway.gateway.key, 'anthropic-version': '2023-06-01' })

describe('GET /v1/models', () => {
  test('OpenAI shape by default, with every catalog model', async () => {
    const body = await json(routeGateway.gateway.handle('/v1/models', { headers: asOpenAI() }))
    expect(body.object).toBe('list')
    expect(body.data.map((model: { id: string }) => model.id)).toEqual(['claude-sonnet-4-6', 'claude-alias', 'gpt-5-mini', 'gpt-alias', 'anvat-echo'])
    expect(body.data[0]).toEqual({ id: 'claude-sonnet-4-6', object: 'model', created: 1_771_286_400, owned_by: 'anthropic' })
  })

  test('Anthropic shape for anthropic-version, x-api-key or a Claude Code user agent, newest first', async () => {
    const identities: Array<Record<string, string>> = [asAnthropic(), { 'x-api-key': routeGateway.gateway.key }, { authorization: `Bearer ${routeGateway.gateway.key}`, 'user-agent': 'claude-cli/2.1.0 (external, cli)' }]
    for (const headers of identities) {
      const body = await json(routeGateway.gateway.handle('/v1/models', { headers }))
      expect(body.data[0]).toEqual({ type: 'model', id: 'claude-sonnet-4-6', display_name: 'Claude Sonnet 4.6', created_at: '2026-02-17T00:00:00Z' })
      expect(body.data.map((model: { id: string }) => model.id)).toEqual(['claude-sonnet-4-6', 'anvat-echo', 'gpt-5-mini', 'claude-alias', 'gpt-alias'])
      expect(body).toMatchObject({ has_more: false, first_id: 'claude-sonnet-4-6', last_id: 'gpt-alias' })
    }
  })

  test('Anthropic paging with limit, after_id and before_id', async () => {
    const first = await json(routeGateway.gateway.handle('/v1/models?limit=2', { headers: asAnthropic() }))
    expect(first).toMatchObject({ has_more: true, first_id: 'claude-sonnet-4-6', last_id: 'anvat-echo' })
    const second = await json(routeGateway.gateway.handle(`/v1/models?limit=2&after_id=${first.last_id}`, { headers: asAnthropic() }))
    expect(second.data.map((model: { id: string }) => model.id)).toEqual(['gpt-5-mini', 'claude-alias'])
    expect(second.has_more).toBe(true)
    const before = await json(routeGateway.gateway.handle('/v1/models?limit=2&before_id=gpt-5-mini', { headers: asAnthropic() }))
    expect(before.data.map((model: { id: string }) => model.id)).toEqual(['claude-sonnet-4-6', 'anvat-echo'])
    expect(before.has_more).toBe(false)
  })

  test('a bad limit is a 400 in the caller dialect', async () => {
    const response = await routeGateway.gateway.handle('/v1/models?limit=0', { headers: asAnthropic() })
    expect(response.status).toBe(400)
    const body = await json(response)
    // An Anthropic client gets Anthropic's envelope, with its request-id header.
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('limit') } })
    expect(response.headers.get('request-id')).toBe(body.request_id)
  })

  test('a bad key is a 401 in the caller dialect: Anthropic’s envelope for Anthropic clients, OpenAI’s for the rest', async () => {
    const anthropic = await routeGateway.gateway.handle('/v1/models', { headers: { 'x-api-key': 'anv_wrong', 'anthropic-version': '2023-06-01' } })
    expect(anthropic.status).toBe(401)
    expect(await json(anthropic)).toMatchObject({ type: 'error', error: { type: 'authentication_error' }, request_id: expect.stringMatching(/^req_/) })
    const claudeCode = await routeGateway.gateway.handle('/v1/models', { headers: { authorization: 'Bearer anv_wrong', 'user-agent': 'claude-cli/2.1.0 (external, cli)' } })
    expect((await json(claudeCode)).type).toBe('error')
    const openai = await routeGateway.gateway.handle('/v1/models', { headers: { authorization: 'Bearer anv_wrong' } })
    expect(openai.status).toBe(401)
    expect(await json(openai)).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key', param: null } })
  })
})

describe('GET /v1/models/{id}', () => {
  test('one model in either shape', async () => {
    expect(await json(routeGateway.gateway.handle('/v1/models/gpt-5-mini', { headers: asOpenAI() }))).toEqual({
      id: 'gpt-5-mini',
      object: 'model',
      created: 1_754_524_800,
      owned_by: 'openai',
    })
    expect((await json(routeGateway.gateway.handle('/v1/models/anvat-echo', { headers: asAnthropic() }))).type).toBe('model')
  })

  test('an unknown id is a 404 in the caller shape', async () => {
    const openai = await routeGateway.gateway.handle('/v1/models/nope', { headers: asOpenAI() })
    expect(openai.status).toBe(404)
    expect((await json(openai)).error.code).toBe('model_not_found')
    const anthropic = await routeGateway.gateway.handle('/v1/models/nope', { headers: asAnthropic() })
    expect(anthropic.status).toBe(404)
    expect(await json(anthropic)).toMatchObject({ type: 'error', error: { type: 'not_found_error', message: "The model 'nope' does not exist." } })
  })
})

describe('health', () => {
  test('healthz reports uptime; readyz follows the lifecycle', async () => {
    const health = await json(routeGateway.gateway.handle('/healthz'))
    expect(health.status).toBe('ok')
    expect(typeof health.uptimeSeconds).toBe('number')
    expect((await routeGateway.gateway.handle('/readyz')).status).toBe(200)
    routeGateway.gateway.lifecycle.state = 'draining'
    const draining = await routeGateway.gateway.handle('/readyz')
    expect(draining.status).toBe(503)
    expect(await json(draining)).toEqual({ status: 'draining' })
    routeGateway.gateway.lifecycle.state = 'ready'
  })
})
