/**
 * The admin API under /admin: absent (404) unless an admin token is configured, then open only to that token. It
 * creates keys (shown once, usable at once), lists them without key material, tops up idempotently by entry id,
 * revokes with immediate effect in this process, and lists a key's ledger entries and usage records.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { costMicrosOf, requestIdOf } from '../support/billing.ts'
import { jsonReply, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { createTestGateway, type TestGateway } from '../support/gateway.ts'

const adminToken = 'admin-token-for-tests-0123456789'
let upstream: FakeUpstream
let gateway: TestGateway
let disabled: TestGateway

beforeAll(async () => {
  upstream = await startFakeUpstream()
  gateway = await createTestGateway(upstream, { adminToken })
  disabled = await createTestGateway(upstream)
})
afterAll(async () => {
  await gateway.close()
  await disabled.close()
  await upstream.stop()
})

/** A request with exactly these headers: the test gateway's `handle` would add the user key otherwise. */
function send(target: TestGateway, method: string, path: string, headers: Record<string, string>, body?: object) {
  const init: RequestInit = { method, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' } }
  if (body !== undefined) init.body = JSON.stringify(body)
  return target.gateway.app.handle(new Request(`http://anvat.test${path}`, init))
}

const admin = (method: string, path: string, body?: object) => send(gateway, method, path, { authorization: `Bearer ${adminToken}` }, body)
const asKey = (key: string, method: string, path: string, body?: object) => send(gateway, method, path, { 'x-api-key': key }, body)

async function createKey(name: string, creditUsd: string) {
  const response = await admin('POST', '/admin/keys', { name, credit_usd: creditUsd })
  expect(response.status).toBe(201)
  return (await response.json()) as { id: string; key: string; account_id: string; credit_usd: string }
}

async function balanceUsd(key: string): Promise<number> {
  const response = await asKey(key, 'GET', '/v1/balance')
  expect(response.status).toBe(200)
  return ((await response.json()) as { balance_usd: number }).balance_usd
}

const echoRequest = { model: 'anvat-echo', max_tokens: 20, messages: [{ role: 'user', content: 'admin test' }] }

describe('access', () => {
  test('without an admin token configured, every /admin route is a 404, whatever is presented', async () => {
    for (const [method, path] of [
      ['GET', '/admin/keys'],
      ['POST', '/admin/keys'],
      ['POST', `/admin/keys/${disabled.keyId}/revoke`],
    ] as const) {
      const response = await send(disabled, method, path, { authorization: `Bearer ${adminToken}` }, method === 'POST' ? { name: 'x', credit_usd: '1' } : undefined)
      expect(response.status).toBe(404)
      expect((await response.json()) as object).toMatchObject({ error: { code: 'unknown_url' } })
    }
    expect((await disabled.handle('/v1/balance')).status).toBe(200)
  })

  test('a missing or wrong token is a 401, and so is a user key', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${adminToken}x` },
      { authorization: `Bearer ${adminToken.slice(0, -1)}` },
      { authorization: `Bearer ${gateway.key}` },
      { 'x-api-key': gateway.key },
    ]
    for (const headers of attempts) {
      const response = await send(gateway, 'GET', '/admin/keys', headers)
      expect(response.status).toBe(401)
      expect((await response.json()) as object).toMatchObject({ error: { code: 'invalid_api_key' } })
    }
    const created = await send(gateway, 'POST', '/admin/keys', { authorization: 'Bearer nope' }, { name: 'sneaky', credit_usd: '100' })
    expect(created.status).toBe(401)
    const names = ((await (await admin('GET', '/admin/keys')).json()) as { data: Array<{ name: string }> }).data.map((key) => key.name)
    expect(names).not.toContain('sneaky')
  })
})

describe('keys', () => {
  test('a created key is returned once and works at once', async () => {
    const created = await createKey('created', '1.5')
    expect(Object.keys(created).sort()).toEqual(['account_id', 'credit_usd', 'id', 'key'])
    expect(created.id).toMatch(/^key_/)
    expect(created.key).toMatch(/^anv_[0-9A-Za-z]{40}$/)
    expect(created.account_id).toMatch(/^acct_/)
    expect(created.credit_usd).toBe('1.5')
    expect(await balanceUsd(created.key)).toBe(1.5)
    const answer = await asKey(created.key, 'POST', '/v1/messages', echoRequest)
    expect(answer.status).toBe(200)
  })

  test('bad bodies are 400s naming the field', async () => {
    const response = await admin('POST', '/admin/keys', { name: 'x', credit_usd: '1.2345678' })
    expect(response.status).toBe(400)
    expect((await response.json()) as object).toMatchObject({ error: { param: 'credit_usd' } })
  })

  test('the list shows every key with its balance and prefix, never the key or its hash', async () => {
    const created = await createKey('listed', '2')
    const response = await admin('GET', '/admin/keys')
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text).not.toContain(created.key)
    expect(text).not.toContain(gateway.key)
    expect(text).not.toContain('hash')
    const listed = (JSON.parse(text) as { data: Array<Record<string, unknown>> }).data
    const entry = listed.find((key) => key.id === created.id)
    expect(entry).toMatchObject({ name: 'listed', account_id: created.account_id, prefix: created.key.slice(0, 12), balance_usd: '2', revoked_at: null })
    expect(Object.keys(entry!)).not.toContain('key')
    expect(listed.find((key) => key.id === gateway.keyId)).toMatchObject({ name: 'test', balance_usd: '10' })
  })

  test('credit is idempotent by entry id: a replay adds nothing', async () => {
    const created = await createKey('topped', '1')
    const first = await admin('POST', `/admin/keys/${created.id}/credit`, { usd: '2.25', id: 'topup_admin_test_1', note: 'invoice 7' })
    expect(first.status).toBe(201)
    expect((await first.json()) as object).toEqual({ entry_id: 'topup_admin_test_1', added: true, balance_usd: '3.25' })
    const replay = await admin('POST', `/admin/keys/${created.id}/credit`, { usd: '2.25', id: 'topup_admin_test_1' })
    expect(replay.status).toBe(200)
    expect((await replay.json()) as object).toEqual({ entry_id: 'topup_admin_test_1', added: false, balance_usd: '3.25' })
    expect(await balanceUsd(created.key)).toBe(3.25)
    // Without an id each call is a new top-up.
    for (let index = 0; index < 2; index++) expect((await admin('POST', `/admin/keys/${created.id}/credit`, { usd: '0.5' })).status).toBe(201)
    expect(await balanceUsd(created.key)).toBe(4.25)
  })

  test('credit refuses unknown keys and amounts that are not positive', async () => {
    expect((await admin('POST', '/admin/keys/key_missing/credit', { usd: '1' })).status).toBe(404)
    expect((await admin('POST', `/admin/keys/${gateway.keyId}/credit`, { usd: '0' })).status).toBe(400)
    expect((await admin('POST', `/admin/keys/${gateway.keyId}/credit`, { usd: '-1' })).status).toBe(400)
  })

  test('revoking takes effect at once in this process, though the key was cached as valid', async () => {
    const created = await createKey('revoked-soon', '1')
    const other = await createKey('bystander', '1')
    // A first use puts the key in the authentication cache (30 s by default).
    expect(await balanceUsd(created.key)).toBe(1)
    expect(gateway.gateway.keyCache.size()).toBeGreaterThan(0)
    const revoked = await admin('POST', `/admin/keys/${created.id}/revoke`)
    expect(revoked.status).toBe(200)
    expect((await revoked.json()) as object).toEqual({ id: created.id, revoked: true })
    for (const path of ['/v1/balance', '/v1/messages']) {
      const response = await asKey(created.key, path === '/v1/balance' ? 'GET' : 'POST', path, path === '/v1/balance' ? undefined : echoRequest)
      expect(response.status).toBe(401)
      expect(await response.text()).toContain('revoked')
    }
    expect(await balanceUsd(other.key)).toBe(1)
    const listed = ((await (await admin('GET', '/admin/keys')).json()) as { data: Array<{ id: string; revoked_at: string | null }> }).data
    expect(listed.find((key) => key.id === created.id)?.revoked_at).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect((await admin('POST', '/admin/keys/key_missing/revoke')).status).toBe(404)
  })
})

describe('entries and usage', () => {
  test('after a request: the grant, the hold, its release and the settlement; one usage record at the reported cost', async () => {
    const created = await createKey('audited', '1')
    upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    const answer = await asKey(created.key, 'POST', '/v1/messages', { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] })
    expect(answer.status).toBe(200)
    const requestId = requestIdOf(answer)
    const costMicros = costMicrosOf(answer.headers.get('x-anvat-cost-usd'))
    expect(costMicros).toBe(8116)

    const entriesResponse = await admin('GET', `/admin/keys/${created.id}/entries`)
    expect(entriesResponse.status).toBe(200)
    const entries = ((await entriesResponse.json()) as { data: Array<{ id: string; kind: string; amountMicros: number; amountUsd: string; requestId: string | null }> }).data
    const byKind = Object.fromEntries(entries.map((entry) => [entry.kind, entry]))
    expect(entries.map((entry) => entry.kind).sort()).toEqual(['grant', 'release', 'reserve', 'settle'])
    expect(byKind.grant).toMatchObject({ id: `${created.id}:grant`, amountMicros: 1_000_000, amountUsd: '1', requestId: null })
    expect(byKind.settle).toMatchObject({ id: `${requestId}:settle`, amountMicros: -8116, amountUsd: '-0.008116', requestId })
    expect(byKind.reserve!.amountMicros).toBe(-byKind.release!.amountMicros)
    expect(entries.reduce((sum, entry) => sum + entry.amountMicros, 0)).toBe(1_000_000 - 8116)

    const usageResponse = await admin('GET', `/admin/keys/${created.id}/usage`)
    expect(usageResponse.status).toBe(200)
    const usage = ((await usageResponse.json()) as { data: Array<Record<string, unknown>> }).data
    expect(usage).toHaveLength(1)
    expect(usage[0]).toMatchObject({ requestId, keyId: created.id, model: 'claude-sonnet-4-6', status: 200, outcome: 'completed' })
    expect(usage[0]).toMatchObject({ costMicros: 8116, costUsd: '0.008116', inputTokens: 14, cacheWrite5mTokens: 2077, outputTokens: 19 })

    const limited = (await (await admin('GET', `/admin/keys/${created.id}/entries?limit=1`)).json()) as { data: unknown[] }
    expect(limited.data).toHaveLength(1)
    expect((await admin('GET', '/admin/keys/key_missing/usage')).status).toBe(404)
  })
})
