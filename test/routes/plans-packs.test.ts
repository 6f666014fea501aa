/**
 * What an operator sets per account: a plan, whose `discount` comes off every metered cost (the cost header and the
 * ledger show the discounted figure), and prepaid packs granted through the admin API, once per grant id.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { jsonReply, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { createTestGateway, type TestGateway } from '../support/gateway.ts'

const adminToken = 'admin-token-for-plan-tests-0123456789'
let upstream: FakeUpstream
let gateway: TestGateway

beforeAll(async () => {
  upstream = await startFakeUpstream()
  gateway = await createTestGateway(upstream, {
    adminToken,
    plans: [{ id: 'partner', discount: 0.25 }, { id: 'standard' }],
    configure: (file) => Object.assign(file as Record<string, unknown>, { packs: [{ id: 'p10', priceUsd: 10, creditUsd: 20 }] }),
  })
})
afterAll(async () => {
  await gateway.close()
  await upstream.stop()
})

const admin = (path: string, body: object) =>
  gateway.gateway.app.handle(new Request(`http://anvat.test${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }))

/** A Messages call answered with 1,000 input and 1,000 output tokens: $0.018 at the test catalog's $3 / $15 per million. */
async function meteredCall() {
  const content = [{ type: 'text', text: 'ok' }]
  upstream.enqueue(jsonReply({ id: 'msg_plan', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content, stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1000, output_tokens: 1000 } }))
  const before = (await gateway.ledger.balance(gateway.accountId))!.balanceMicros
  const response = await gateway.handle('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 2000, messages: [{ role: 'user', content: 'Hi' }] }) })
  expect(response.status).toBe(200)
  await response.text()
  await gateway.ledger.flush()
  return { header: response.headers.get('x-anvat-cost-usd'), chargedMicros: before - (await gateway.ledger.balance(gateway.accountId))!.balanceMicros }
}

describe('plans', () => {
  test('a plan’s discount comes off the cost in the header and in the ledger; back on the default plan it is list price again', async () => {
    expect(await meteredCall()).toEqual({ header: '0.018', chargedMicros: 18_000 })
    const moved = await admin(`/admin/keys/${gateway.keyId}/plan`, { plan: 'partner' })
    expect(moved.status).toBe(200)
    expect(await moved.json()).toEqual({ account_id: gateway.accountId, plan: 'partner' })
    // The key was cached with its old plan a moment ago; the change applies from the next request all the same.
    expect(await meteredCall()).toEqual({ header: '0.0135', chargedMicros: 13_500 })
    expect((await admin(`/admin/keys/${gateway.keyId}/plan`, { plan: null })).status).toBe(200)
    expect(await meteredCall()).toEqual({ header: '0.018', chargedMicros: 18_000 })
  })

  test('an unknown plan is refused and changes nothing', async () => {
    const refused = await admin(`/admin/keys/${gateway.keyId}/plan`, { plan: 'platinum' })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("no plan with id 'platinum'")
    expect(await meteredCall()).toEqual({ header: '0.018', chargedMicros: 18_000 })
  })
})

describe('packs granted by the operator', () => {
  test('credit the pack’s credit once per grant id, whatever its price', async () => {
    const before = (await gateway.ledger.balance(gateway.accountId))!.balanceMicros
    const granted = await admin(`/admin/keys/${gateway.keyId}/packs`, { pack: 'p10', id: 'invoice-7' })
    expect(granted.status).toBe(201)
    expect(await granted.json()).toMatchObject({ payment_id: 'operator:invoice-7', pack: 'p10', credit_usd: '20', added: true })
    const again = await admin(`/admin/keys/${gateway.keyId}/packs`, { pack: 'p10', id: 'invoice-7' })
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ added: false })
    expect((await gateway.ledger.balance(gateway.accountId))!.balanceMicros).toBe(before + 20_000_000)
  })

  test('an unknown pack or key is refused', async () => {
    expect((await admin(`/admin/keys/${gateway.keyId}/packs`, { pack: 'p999' })).status).toBe(400)
    expect((await admin('/admin/keys/key_nope/packs', { pack: 'p10' })).status).toBe(404)
  })
})
