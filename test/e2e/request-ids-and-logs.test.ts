/**
 * One id per request, everywhere: the caller gets it as `x-request-id` (and Anthropic's `request-id` on Anthropic
 * routes), the log line carries it, and OpenAI upstreams receive it as `x-client-request-id`. Logs in either format
 * never hold a key: not the caller's, not the upstream's, not even when an upstream error quotes it back.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { jsonReply, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { startTestGateway, type ListeningTestGateway } from '../support/gateway.ts'

let upstream: FakeUpstream
const gateways: ListeningTestGateway[] = []
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(async () => {
  for (const gateway of gateways) await gateway.stop()
  await upstream.stop()
})

async function gatewayLogging(format: 'logfmt' | 'json') {
  const gateway = await startTestGateway(upstream, { logFormat: format })
  gateways.push(gateway)
  return gateway
}

const post = (gateway: ListeningTestGateway, path: string, headers: Record<string, string>, body: object) =>
  fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

describe('request ids', () => {
  test('the caller, the log line and the OpenAI upstream all see the same id, and the upstream’s own id is kept', async () => {
    const gateway = await gatewayLogging('json')
    upstream.clear()
    upstream.enqueue(jsonReply(await readFixture('upstream/openai-chat/text.response.json')))
    const chat = await post(gateway, '/v1/chat/completions', { authorization: `Bearer ${gateway.key}` }, { model: 'gpt-5-mini', messages: [{ role: 'user', content: 'Hi' }] })
    expect(chat.status).toBe(200)
    await chat.text()
    const id = chat.headers.get('x-request-id')!
    expect(id).toMatch(/^req_[0-9A-Za-z]{24}$/)
    expect(upstream.received.at(-1)!.headers.get('x-client-request-id')).toBe(id)
    // The upstream's own id for its answer is kept with the usage, for its provider's support.
    await gateway.ledger.flush()
    const [record] = await gateway.connection.client.query<{ upstream_request_id: string | null }>({ sql: 'SELECT upstream_request_id FROM usage_records WHERE request_id = ?', args: [id] })
    expect(record!.upstream_request_id).toMatch(/^req_fake\d{12}0{20}$/)
    expect(record!.upstream_request_id).not.toBe(id)
    const line = gateway.logs.map((text) => JSON.parse(text) as Record<string, unknown>).find((entry) => entry.msg === 'request' && entry.request_id === id)
    expect(line).toMatchObject({ level: 'info', method: 'POST', path: '/v1/chat/completions', status: 200, model: 'gpt-5-mini', key: gateway.keyId })

    upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    const messages = await post(gateway, '/v1/messages', { 'x-api-key': gateway.key }, { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })
    await messages.text()
    expect(messages.headers.get('x-request-id')).toBe(messages.headers.get('request-id'))
    // Anthropic documents no client request id header: none is sent.
    expect(upstream.received.at(-1)!.headers.get('x-client-request-id')).toBeNull()

    const health = await fetch(`${gateway.url}/healthz`)
    expect(health.headers.get('x-request-id')).toMatch(/^req_/)
    const refused = await post(gateway, '/v1/messages', { 'x-api-key': 'anv_not_a_key' }, {})
    expect(refused.headers.get('x-request-id')).toBe(((await refused.json()) as { request_id: string }).request_id)
  })
})

describe('secrets stay out of the logs', () => {
  for (const format of ['logfmt', 'json'] as const) {
    test(`${format}: neither the caller's key nor the upstream's, even when an upstream error quotes it`, async () => {
      const gateway = await gatewayLogging(format)
      upstream.clear()
      // OpenAI quotes part of a refused key back; this upstream quotes all of it, in an error the gateway logs.
      upstream.enqueue(jsonReply({ error: { message: `Incorrect API key provided: ${upstream.openaiKey}.`, type: 'invalid_request_error', code: 'invalid_api_key' } }, 401))
      const refused = await post(gateway, '/v1/chat/completions', { authorization: `Bearer ${gateway.key}` }, { model: 'gpt-5-mini', messages: [{ role: 'user', content: 'Hi' }] })
      expect(await refused.text()).not.toContain(upstream.openaiKey)
      upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
      await (await post(gateway, '/v1/messages', { 'x-api-key': gateway.key }, { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })).text()
      await (await post(gateway, '/v1/messages', { 'x-api-key': `${gateway.key}x` }, {})).text()
      const logs = gateway.logs.join('')
      expect(logs).toContain('upstream error')
      for (const secret of [gateway.key, upstream.openaiKey, upstream.anthropicKey]) expect(logs).not.toContain(secret)
      // The key is named by its id, never by any part of itself.
      expect(logs).toContain(gateway.keyId)
      expect(logs).not.toContain(gateway.key.slice(4, 16))
    })
  }
})
