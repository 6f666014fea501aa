/**
 * `GET /v1/usage`: the calling key's account (or the key alone) summed over a range, by day or model, matching the
 * charges the answers reported; bad ranges and groupings answered 400 in the OpenAI envelope. `GET /admin/usage`:
 * the same across accounts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createAccountKey } from '../../src/accounts/account-keys.ts'
import { parseUsdToMicros } from '../../src/core/money.ts'
import { createFakeClock } from '../support/clock.ts'
import { createTestGateway, type TestGateway } from '../support/gateway.ts'

const adminToken = 'admin-token-for-usage-tests-0123456789'
const clock = createFakeClock(Date.UTC(2026, 4, 10, 12))
let gateway: TestGateway
let otherKey: string
const charged: Array<{ day: string; model: string; key: 'first' | 'second'; micros: number }> = []

async function echo(key: string, keyName: 'first' | 'second', day: string) {
  const response = await gateway.handle('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'anvat-echo', messages: [{ role: 'user', content: `on ${day}` }] }),
  })
  expect(response.status).toBe(200)
  await response.text()
  await gateway.ledger.flush()
  charged.push({ day, model: 'anvat-echo', key: keyName, micros: parseUsdToMicros(response.headers.get('x-anvat-cost-usd')!)! })
}

const usage = (query: string, headers: Record<string, string> = {}) => gateway.handle(`/v1/usage${query}`, { headers })
const sum = (rows: typeof charged) => rows.reduce((total, row) => total + row.micros, 0)

beforeAll(async () => {
  gateway = await createTestGateway(undefined, { now: clock.now, adminToken })
  otherKey = (await createAccountKey(gateway.connection, gateway.accountId, 'second', {}, clock.now())).key
  await echo(gateway.key, 'first', '2026-05-10')
  await echo(otherKey, 'second', '2026-05-10')
  clock.advance(86_400_000)
  await echo(gateway.key, 'first', '2026-05-11')
  // Ranges end before `to`, which defaults to now: a moment later, so the last request is in.
  clock.advance(1_000)
})
afterAll(() => gateway.close())

describe('GET /v1/usage', () => {
  test('by day (the default), for the whole account, over the last 30 days: the charges the answers reported', async () => {
    const response = await usage('')
    expect(response.status).toBe(200)
    const body = (await response.json()) as { group_by: string; scope: string; data: Array<{ day: string; requests: number; cost_usd: string }>; total: { requests: number; cost_usd: string }; from: string; to: string }
    expect(body.group_by).toBe('day')
    expect(body.scope).toBe('account')
    expect(body.to).toBe(new Date(clock.now()).toISOString())
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(30 * 86_400_000)
    expect(body.data.map((row) => [row.day, row.requests, parseUsdToMicros(row.cost_usd)])).toEqual([
      ['2026-05-10', 2, sum(charged.filter((row) => row.day === '2026-05-10'))],
      ['2026-05-11', 1, sum(charged.filter((row) => row.day === '2026-05-11'))],
    ])
    expect(body.total.requests).toBe(3)
    expect(parseUsdToMicros(body.total.cost_usd)).toBe(sum(charged))
  })

  test('by model, for the key alone, in a range', async () => {
    const body = (await (await usage('?group_by=model&scope=key&from=2026-05-10T00:00:00Z&to=1778544000')).json()) as { data: Array<Record<string, unknown>> }
    // 1778544000 is 2026-05-12T00:00:00Z: both days, the first key's two requests.
    expect(body.data).toHaveLength(1)
    expect(body.data[0]).toMatchObject({ model: 'anvat-echo', requests: 2 })
    expect(parseUsdToMicros(body.data[0]!.cost_usd as string)).toBe(sum(charged.filter((row) => row.key === 'first')))
    expect(body.data[0]!.input_tokens).toBeGreaterThan(0)
    const second = (await (await usage('?group_by=model&scope=key', { authorization: `Bearer ${otherKey}` })).json()) as { data: Array<{ requests: number }> }
    expect(second.data.map((row) => row.requests)).toEqual([1])
  })

  test('an empty range has no rows and a zero total', async () => {
    const body = (await (await usage('?from=2026-01-01&to=2026-01-02')).json()) as { data: unknown[]; total: { requests: number; cost_usd: string } }
    expect(body).toMatchObject({ data: [], total: { requests: 0, cost_usd: '0' } })
  })

  test('bad input is a 400 naming the parameter; no key is a 401', async () => {
    for (const [query, param] of [
      ['?group_by=key', 'group_by'],
      ['?from=yesterday', 'from'],
      ['?from=2026-05-12&to=2026-05-11', 'from'],
      ['?from=2020-01-01&to=2026-01-01', 'from'],
    ] as const) {
      const response = await usage(query)
      expect(response.status).toBe(400)
      const body = (await response.json()) as { error: { param: string | null; type: string } }
      expect(body.error.type).toBe('invalid_request_error')
      expect(body.error.param).toBe(param)
    }
    const anonymous = await gateway.gateway.app.handle(new Request('http://anvat.test/v1/usage'))
    expect(anonymous.status).toBe(401)
  })
})

describe('GET /admin/usage', () => {
  test('across accounts by account, and one account by key', async () => {
    const admin = (query: string) => gateway.gateway.app.handle(new Request(`http://anvat.test/admin/usage${query}`, { headers: { authorization: `Bearer ${adminToken}` } }))
    const byAccount = (await (await admin('')).json()) as { group_by: string; data: Array<{ account: string; requests: number }> }
    expect(byAccount.group_by).toBe('account')
    expect(byAccount.data).toEqual([expect.objectContaining({ account: gateway.accountId, requests: 3 })])
    const byKey = (await (await admin(`?group_by=key&account=${gateway.accountId}`)).json()) as { data: Array<{ key: string; requests: number }> }
    expect(byKey.data.map((row) => row.requests).sort()).toEqual([1, 2])
    expect((await gateway.gateway.app.handle(new Request('http://anvat.test/admin/usage', { headers: { authorization: 'Bearer wrong' } }))).status).toBe(401)
  })
})
