/**
 * Real responses validate against openapi/openapi.yaml: for each, the status is documented for its operation, the
 * content type is one the document lists, the body validates against that schema (JSON Schema 2020-12), every
 * required header is there, every documented header that is there validates, and no gateway header (`x-anvat-*`,
 * `retry-after*`, `x-should-retry`, the request id) appears where the document does not name it. Answers come from
 * the built-in `anvat-echo` model and the fake upstream's recorded fixtures, passed through and translated, over a
 * real socket.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { ValidateFunction } from 'ajv/dist/2020'
import { jsonReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { createTestGateway, createUnreachableGateway, useListeningGateway, type TestGateway } from '../support/gateway.ts'
import {
  createSchemaValidator,
  describeErrors,
  loadOpenApiDocument,
  pointerOf,
  resolve,
  type OpenApiDocument,
  type OpenApiHeader,
  type OpenApiResponse,
} from './document.ts'

const adminToken = 'openapi-test-admin-token'
const fixture = useListeningGateway({ adminToken })
/** Headers the gateway sets, which the document must name wherever they appear. */
const gatewayHeader = /^(x-anvat-|retry-after|x-should-retry$|request-id$|x-request-id$)/

let document: OpenApiDocument
let validatorAt: (pointer: string) => ValidateFunction
beforeAll(async () => {
  document = await loadOpenApiDocument()
  validatorAt = createSchemaValidator(document)
})

/** Checks that `response` has `status` and matches the document's entry for `operation` (`POST /v1/messages`) and that status; returns the body text. */
async function expectConforms(response: Response, operationName: string, status: number): Promise<string> {
  const [method = '', path = ''] = operationName.split(' ')
  const at = `${operationName} → ${response.status}`
  if (response.status !== status) throw new Error(`${at}: expected ${status} (${await response.text()})`)
  const operation = document.paths[path]?.[method.toLowerCase()]
  if (operation === undefined) throw new Error(`${operationName} is not documented`)
  const reference = operation.responses[String(response.status)]
  if (reference === undefined) throw new Error(`${at}: status not documented`)
  const responsePointer = pointerOf('paths', path, method.toLowerCase(), 'responses', String(response.status))
  const { value: documented, pointer } = resolve<OpenApiResponse>(document, reference, responsePointer)
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim()
  expect(Object.keys(documented.content ?? {}), `${at}: content type ${mediaType}`).toContain(mediaType)
  const text = await response.text()
  const validate = validatorAt(`${pointer}${pointerOf('content', mediaType, 'schema')}`)
  const valid = validate(mediaType === 'application/json' ? JSON.parse(text) : text)
  expect({ at, errors: valid ? [] : [...describeErrors(validate), text.slice(0, 2000)] }).toEqual({ at, errors: [] })
  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    const { value, pointer: headerPointer } = resolve<OpenApiHeader>(document, header, `${pointer}${pointerOf('headers', name)}`)
    const actual = response.headers.get(name)
    if (value.required === true) expect(actual, `${at}: required header ${name}`).not.toBeNull()
    if (actual === null) continue
    const validateHeader = validatorAt(`${headerPointer}/schema`)
    expect({ at, name, actual, errors: validateHeader(actual) ? [] : describeErrors(validateHeader) }).toEqual({ at, name, actual, errors: [] })
  }
  const undocumented = [...response.headers.keys()].filter((name) => gatewayHeader.test(name) && documented.headers?.[name] === undefined)
  expect({ at, undocumented }).toEqual({ at, undocumented: [] })
  return text
}

type Call = { method?: string; headers?: Record<string, string>; body?: unknown }

/** A request to the listening gateway; a body makes it a POST, a string body is sent as it is. */
function call(path: string, init: Call = {}): Promise<Response> {
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body)
  return fetch(`${fixture.gateway.url}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers: init.headers ?? {}, body })
}

const asAnthropic = () => ({ 'x-api-key': fixture.gateway.key, 'anthropic-version': '2023-06-01' })
const asOpenAI = () => ({ authorization: `Bearer ${fixture.gateway.key}` })
const asAdmin = { authorization: `Bearer ${adminToken}` }
const user = (content: string) => [{ role: 'user', content }]
const messageBody = (model: string, extra: object = {}) => ({ model, max_tokens: 256, messages: user('Hello'), ...extra })
const chatBody = (model: string, extra: object = {}) => ({ model, messages: user('Hello'), ...extra })
const responseBody = (model: string, extra: object = {}) => ({ model, input: 'Hello', ...extra })
const enqueueFixture = async (name: string, status = 200) => fixture.upstream.enqueue(jsonReply(await readFixture(`upstream/${name}`), status))

describe('POST /v1/messages and count_tokens', () => {
  test('whole answers: the mock, an Anthropic upstream passed through, an OpenAI upstream translated', async () => {
    for (const model of ['anvat-echo', 'claude-sonnet-4-6', 'gpt-5-mini']) {
      await expectConforms(await call('/v1/messages?beta=true', { headers: asAnthropic(), body: messageBody(model) }), 'POST /v1/messages', 200)
    }
    for (const [answer, model] of [
      ['anthropic/thinking.response.json', 'claude-sonnet-4-6'],
      ['anthropic/tool-use.response.json', 'claude-sonnet-4-6'],
      ['openai-chat/tool-calls.response.json', 'gpt-5-mini'],
    ] as const) {
      await enqueueFixture(answer)
      await expectConforms(await call('/v1/messages', { headers: asAnthropic(), body: messageBody(model) }), 'POST /v1/messages', 200)
    }
  })

  test('a stream is text/event-stream, ends with the cost comment, and carries no cost header', async () => {
    const response = await call('/v1/messages', { headers: asAnthropic(), body: messageBody('anvat-echo', { stream: true }) })
    expect(response.headers.get('x-anvat-cost-usd')).toBeNull()
    const text = await expectConforms(response, 'POST /v1/messages', 200)
    expect(text).toStartWith('event: message_start\n')
    expect(text).toMatch(/event: message_stop\ndata: \{"type":"message_stop"\}\n\n: x-anvat-cost-usd=\d+(\.\d+)?\n\n$/)
  })

  test('count_tokens, counted by the upstream and estimated', async () => {
    const exact = await call('/v1/messages/count_tokens', { headers: asAnthropic(), body: { model: 'claude-sonnet-4-6', messages: user('Hello') } })
    expect(exact.headers.get('x-anvat-token-count')).toBe('exact')
    await expectConforms(exact, 'POST /v1/messages/count_tokens', 200)
    const estimated = await call('/v1/messages/count_tokens', { headers: asAnthropic(), body: { model: 'gpt-5-mini', messages: user('Hello') } })
    expect(estimated.headers.get('x-anvat-token-count')).toBe('estimate')
    await expectConforms(estimated, 'POST /v1/messages/count_tokens', 200)
  })

  test('errors in the Anthropic envelope: 400 (envelope, JSON), 401, 404, 529 relayed', async () => {
    for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
      await expectConforms(await call(path, { headers: asAnthropic(), body: { model: 'anvat-echo' } }), `POST ${path}`, 400)
      await expectConforms(await call(path, { headers: asAnthropic(), body: '{"model":' }), `POST ${path}`, 400)
      await expectConforms(await call(path, { headers: { 'x-api-key': 'anv_wrong' }, body: messageBody('anvat-echo') }), `POST ${path}`, 401)
      await expectConforms(await call(path, { headers: asAnthropic(), body: messageBody('claude-nope') }), `POST ${path}`, 404)
    }
    await enqueueFixture('anthropic/error-overloaded.json', 529)
    await expectConforms(await call('/v1/messages', { headers: asAnthropic(), body: messageBody('claude-sonnet-4-6') }), 'POST /v1/messages', 529)
  })
})

describe('POST /v1/chat/completions', () => {
  test('whole answers: the mock, an OpenAI upstream passed through, an Anthropic upstream translated', async () => {
    for (const model of ['anvat-echo', 'gpt-5-mini', 'claude-sonnet-4-6']) {
      await expectConforms(await call('/v1/chat/completions', { headers: asOpenAI(), body: chatBody(model) }), 'POST /v1/chat/completions', 200)
    }
    for (const [answer, model] of [
      ['openai-chat/tool-calls.response.json', 'gpt-5-mini'],
      ['anthropic/tool-use.response.json', 'claude-sonnet-4-6'],
      ['anthropic/thinking.response.json', 'claude-sonnet-4-6'],
    ] as const) {
      await enqueueFixture(answer)
      await expectConforms(await call('/v1/chat/completions', { headers: asOpenAI(), body: chatBody(model) }), 'POST /v1/chat/completions', 200)
    }
  })

  test('a stream is text/event-stream of data lines, ending with [DONE] and the cost comment', async () => {
    const body = chatBody('anvat-echo', { stream: true, stream_options: { include_usage: true } })
    const text = await expectConforms(await call('/v1/chat/completions', { headers: asOpenAI(), body }), 'POST /v1/chat/completions', 200)
    expect(text).toMatch(/^data: \{/)
    expect(text).toMatch(/data: \[DONE\]\n\n: x-anvat-cost-usd=\d+(\.\d+)?\n\n$/)
  })

  test('errors in the OpenAI envelope: 400, 401, 404', async () => {
    await expectConforms(await call('/v1/chat/completions', { headers: asOpenAI(), body: { model: 'anvat-echo', messages: [] } }), 'POST /v1/chat/completions', 400)
    const badKey = { authorization: 'Bearer anv_wrong' }
    await expectConforms(await call('/v1/chat/completions', { headers: badKey, body: chatBody('anvat-echo') }), 'POST /v1/chat/completions', 401)
    await expectConforms(await call('/v1/chat/completions', { headers: asOpenAI(), body: chatBody('gpt-nope') }), 'POST /v1/chat/completions', 404)
  })
})

describe('POST /v1/responses', () => {
  test('whole answers: the mock, an OpenAI upstream passed through, an Anthropic upstream translated', async () => {
    for (const model of ['anvat-echo', 'gpt-5-mini', 'claude-sonnet-4-6']) {
      await expectConforms(await call('/v1/responses', { headers: asOpenAI(), body: responseBody(model) }), 'POST /v1/responses', 200)
    }
    const withReasoning = { include: ['reasoning.encrypted_content'] }
    for (const [answer, model, extra] of [
      ['openai-responses/function-call.response.json', 'gpt-5-mini', {}],
      ['anthropic/thinking.response.json', 'claude-sonnet-4-6', withReasoning],
      ['anthropic/tool-use.response.json', 'claude-sonnet-4-6', {}],
    ] as const) {
      await enqueueFixture(answer)
      await expectConforms(await call('/v1/responses', { headers: asOpenAI(), body: responseBody(model, extra) }), 'POST /v1/responses', 200)
    }
  })

  test('a stream is text/event-stream ending with response.completed and the cost comment', async () => {
    const text = await expectConforms(await call('/v1/responses', { headers: asOpenAI(), body: responseBody('anvat-echo', { stream: true }) }), 'POST /v1/responses', 200)
    expect(text).toStartWith('event: response.created\n')
    expect(text).toMatch(/event: response\.completed\ndata: .*\n\n: x-anvat-cost-usd=\d+(\.\d+)?\n\n$/)
  })

  test('errors in the OpenAI envelope: 400, 401, 404', async () => {
    await expectConforms(await call('/v1/responses', { headers: asOpenAI(), body: { input: 'Hello' } }), 'POST /v1/responses', 400)
    await expectConforms(await call('/v1/responses', { headers: { authorization: 'Bearer anv_wrong' }, body: responseBody('anvat-echo') }), 'POST /v1/responses', 401)
    await expectConforms(await call('/v1/responses', { headers: asOpenAI(), body: responseBody('gpt-nope') }), 'POST /v1/responses', 404)
  })
})

describe('models, balance, health', () => {
  test('the catalog in both shapes, paged, one model in both shapes, and its errors', async () => {
    await expectConforms(await call('/v1/models', { headers: asOpenAI() }), 'GET /v1/models', 200)
    await expectConforms(await call('/v1/models?beta=true', { headers: asAnthropic() }), 'GET /v1/models', 200)
    await expectConforms(await call('/v1/models?limit=2&after_id=anvat-echo', { headers: asAnthropic() }), 'GET /v1/models', 200)
    await expectConforms(await call('/v1/models?limit=0', { headers: asAnthropic() }), 'GET /v1/models', 400)
    await expectConforms(await call('/v1/models', { headers: { authorization: 'Bearer anv_wrong' } }), 'GET /v1/models', 401)
    await expectConforms(await call('/v1/models', { headers: { 'x-api-key': 'anv_wrong', 'anthropic-version': '2023-06-01' } }), 'GET /v1/models', 401)
    await expectConforms(await call('/v1/models/nope', { headers: asOpenAI() }), 'GET /v1/models/{id}', 404)
    await expectConforms(await call('/v1/models/gpt-5-mini', { headers: asOpenAI() }), 'GET /v1/models/{id}', 200)
    await expectConforms(await call('/v1/models/claude-sonnet-4-6', { headers: asAnthropic() }), 'GET /v1/models/{id}', 200)
    await expectConforms(await call('/v1/models/nope', { headers: asAnthropic() }), 'GET /v1/models/{id}', 404)
  })

  test('usage by model and by day, and a bad grouping', async () => {
    await expectConforms(await call('/v1/usage?group_by=model', { headers: asOpenAI() }), 'GET /v1/usage', 200)
    await expectConforms(await call('/v1/usage?scope=key', { headers: asAnthropic() }), 'GET /v1/usage', 200)
    await expectConforms(await call('/v1/usage?group_by=key', { headers: asOpenAI() }), 'GET /v1/usage', 400)
  })

  test('the balance with a key, without one, and with a bad one', async () => {
    await expectConforms(await call('/v1/balance', { headers: asOpenAI() }), 'GET /v1/balance', 200)
    const anonymous = await call('/v1/balance')
    expect(await anonymous.clone().json()).toEqual({ balance_usd: null, currency: 'USD', updated_at: null })
    await expectConforms(anonymous, 'GET /v1/balance', 200)
    await expectConforms(await call('/v1/balance', { headers: { 'x-api-key': 'anv_wrong' } }), 'GET /v1/balance', 401)
  })

  test('liveness, and readiness ready and draining', async () => {
    await expectConforms(await call('/healthz'), 'GET /healthz', 200)
    await expectConforms(await call('/readyz'), 'GET /readyz', 200)
    fixture.gateway.lifecycle.state = 'draining'
    try {
      await expectConforms(await call('/readyz'), 'GET /readyz', 503)
    } finally {
      fixture.gateway.lifecycle.state = 'ready'
    }
  })
})

describe('the admin API', () => {
  test('create, list, top up twice, entries, usage, revoke', async () => {
    const created = await call('/admin/keys', { headers: asAdmin, body: { name: 'openapi', credit_usd: '2.5', rpm: 60, window_spend_usd: '1' } })
    const { id } = (await created.clone().json()) as { id: string }
    await expectConforms(created, 'POST /admin/keys', 201)
    await expectConforms(await call('/admin/keys', { headers: asAdmin }), 'GET /admin/keys', 200)
    for (const status of [201, 200]) {
      await expectConforms(await call(`/admin/keys/${id}/credit`, { headers: asAdmin, body: { usd: '1', id: 'openapi-topup' } }), 'POST /admin/keys/{id}/credit', status)
    }
    await expectConforms(await call(`/admin/keys/${fixture.gateway.keyId}/entries?limit=5`, { headers: asAdmin }), 'GET /admin/keys/{id}/entries', 200)
    await expectConforms(await call(`/admin/keys/${fixture.gateway.keyId}/usage`, { headers: asAdmin }), 'GET /admin/keys/{id}/usage', 200)
    await expectConforms(await call(`/admin/keys/${id}/plan`, { headers: asAdmin, body: { plan: null } }), 'POST /admin/keys/{id}/plan', 200)
    await expectConforms(await call(`/admin/keys/${id}/packs`, { headers: asAdmin, body: { pack: 'none-configured' } }), 'POST /admin/keys/{id}/packs', 400)
    await expectConforms(await call(`/admin/keys/${id}/revoke`, { method: 'POST', headers: asAdmin }), 'POST /admin/keys/{id}/revoke', 200)
    await expectConforms(await call('/admin/usage?group_by=key', { headers: asAdmin }), 'GET /admin/usage', 200)
    const audit = await call('/admin/audit', { headers: asAdmin })
    expect(((await audit.clone().json()) as { ok: boolean }).ok).toBe(true)
    await expectConforms(audit, 'GET /admin/audit', 200)
  })

  test('errors: 400, 401, 404', async () => {
    await expectConforms(await call('/admin/keys', { headers: asAdmin, body: { name: 'x' } }), 'POST /admin/keys', 400)
    await expectConforms(await call('/admin/keys', { headers: { authorization: 'Bearer wrong' } }), 'GET /admin/keys', 401)
    await expectConforms(await call('/admin/keys/key_nope/usage', { headers: asAdmin }), 'GET /admin/keys/{id}/usage', 404)
  })
})

describe('the documented request examples', () => {
  test('each one is accepted by its route, and its answer conforms', async () => {
    const sent: string[] = []
    for (const [path, item] of Object.entries(document.paths)) {
      const content = item.post?.requestBody?.content['application/json'] as { example?: unknown; examples?: Record<string, { value: unknown }> } | undefined
      // Examples on routes with path parameters would need a real key id; those bodies are checked by the linter.
      if (content === undefined || path.includes('{')) continue
      const examples = content.examples === undefined ? [content.example] : Object.values(content.examples).map((example) => example.value)
      for (const example of examples) {
        const headers = path.startsWith('/admin/') ? asAdmin : path.startsWith('/v1/messages') ? asAnthropic() : asOpenAI()
        await expectConforms(await call(path, { headers, body: example }), `POST ${path}`, path.startsWith('/admin/') ? 201 : 200)
        sent.push(path)
      }
    }
    const twice = (path: string) => [path, path]
    expect(sent.sort()).toEqual(['/admin/keys', ...twice('/v1/chat/completions'), ...twice('/v1/messages'), '/v1/messages/count_tokens', ...twice('/v1/responses')])
  })
})

describe('refusals by credit and limits, and unreachable upstreams', () => {
  const gateways: TestGateway[] = []
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close()
  })
  const open = async (gateway: Promise<TestGateway>) => {
    gateways.push(await gateway)
    return gateways.at(-1)!
  }
  const post = (gateway: TestGateway, path: string, body: unknown, headers: Record<string, string> = {}) =>
    gateway.handle(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers })

  test('402 in each dialect with no credit; the admin API is 404 without its token', async () => {
    const broke = await open(createTestGateway(undefined, { creditMicros: 0 }))
    await expectConforms(await post(broke, '/v1/messages', messageBody('anvat-echo')), 'POST /v1/messages', 402)
    await expectConforms(await post(broke, '/v1/chat/completions', chatBody('anvat-echo')), 'POST /v1/chat/completions', 402)
    await expectConforms(await post(broke, '/v1/responses', responseBody('anvat-echo')), 'POST /v1/responses', 402)
    await expectConforms(await broke.handle('/admin/keys', { headers: asAdmin }), 'GET /admin/keys', 404)
  })

  test('429 over the rpm limit with retry-after, and 413 over the body limit', async () => {
    const limited = await open(createTestGateway(undefined, { plans: [{ id: 'tight', rpm: 1 }], defaultPlan: 'tight', limits: { bodyBytesMax: 1024 } }))
    const admitted = await post(limited, '/v1/chat/completions', chatBody('anvat-echo'))
    expect(admitted.headers.get('x-anvat-rpm-remaining')).toBe('0')
    await expectConforms(admitted, 'POST /v1/chat/completions', 200)
    for (const [path, body] of [['/v1/messages', messageBody('anvat-echo')], ['/v1/chat/completions', chatBody('anvat-echo')]] as const) {
      const refused = await post(limited, path, body)
      expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/)
      await expectConforms(refused, `POST ${path}`, 429)
    }
    await expectConforms(await post(limited, '/v1/messages', messageBody('anvat-echo', { messages: user('x'.repeat(2048)) })), 'POST /v1/messages', 413)
    await expectConforms(await post(limited, '/v1/responses', responseBody('anvat-echo', { input: 'x'.repeat(2048) })), 'POST /v1/responses', 413)
  })

  test('502 when no upstream can be reached, in each dialect', async () => {
    const unreachable = await open(createUnreachableGateway())
    const headers = { 'x-api-key': unreachable.key }
    await expectConforms(await post(unreachable, '/v1/messages', messageBody('claude-sonnet-4-6'), headers), 'POST /v1/messages', 502)
    await expectConforms(await post(unreachable, '/v1/chat/completions', chatBody('gpt-5-mini'), headers), 'POST /v1/chat/completions', 502)
    await expectConforms(await post(unreachable, '/v1/responses', responseBody('gpt-5-mini'), headers), 'POST /v1/responses', 502)
  })
})
