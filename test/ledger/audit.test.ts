/**
 * `auditLedger` after real traffic through the gateway (whole answers, streams, an upstream failure, a client that
 * leaves mid-stream) finds the books clean and every settled cost equal to its tokens at its rates; then each kind of
 * tampering with the database is found and named.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { auditLedger, type AuditReport } from '../../src/ledger/audit.ts'
import { jsonReply, sseReply, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { createTestGateway, type TestGateway } from '../support/gateway.ts'

let upstream: FakeUpstream
let gateway: TestGateway
const auditOptions = () => ({ nowMs: Date.now(), instanceTimeoutMs: 30_000, reservationTimeoutMs: 7_200_000 })
const audit = () => auditLedger(gateway.connection.client, auditOptions())
const sql = (text: string, ...args: Array<string | number>) => gateway.connection.client.run({ sql: text, args })

beforeAll(async () => {
  upstream = await startFakeUpstream()
  // Its books are tampered with below, on purpose: no audit at close.
  gateway = await createTestGateway(upstream, { plans: [{ id: 'partner', discount: 0.2 }], defaultPlan: 'partner', audit: false })
  const post = (path: string, body: object) => gateway.handle(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
  expect((await post('/v1/messages', { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] })).status).toBe(200)
  upstream.enqueue(sseReply(await readFixture('upstream/openai-chat/text.stream.sse')))
  const streamed = await post('/v1/chat/completions', { model: 'gpt-5-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Hi' }] })
  await streamed.text()
  upstream.enqueue(jsonReply({ error: { type: 'api_error', message: 'boom' } }, 500))
  expect((await post('/v1/messages', { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] })).status).toBe(502)
  upstream.enqueue(jsonReply(await readFixture('upstream/openai-chat/text.response.json')))
  expect((await post('/v1/messages', { model: 'gpt-5-mini', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] })).status).toBe(200)
  await gateway.ledger.flush()
})
afterAll(async () => {
  await gateway.close()
  await upstream.stop()
})

const kinds = (report: AuditReport) => Object.keys(report.problemCounts).sort()

describe('after real traffic', () => {
  test('the books are clean, and every settled cost was recomputed from its tokens and rates', async () => {
    const report = await audit()
    expect(report.problems).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.usageRecords).toBe(4)
    expect(report.pricedRecords).toBe(4)
    expect(report.openHolds).toBe(0)
  })
})

describe('tampering is found', () => {
  test('a balance edited by hand', async () => {
    await sql('UPDATE accounts SET balance_micros = balance_micros + 1 WHERE id = ?', gateway.accountId)
    const report = await audit()
    expect(kinds(report)).toEqual(['balance-mismatch'])
    expect(report.problems[0]).toMatchObject({ subject: gateway.accountId })
    await sql('UPDATE accounts SET balance_micros = balance_micros - 1 WHERE id = ?', gateway.accountId)
    expect((await audit()).ok).toBe(true)
  })

  test('a usage record whose cost was changed, and a settle that charged other than it says', async () => {
    const [record] = await gateway.connection.client.query<{ request_id: string }>({ sql: 'SELECT request_id FROM usage_records WHERE cost_micros > 0 ORDER BY request_id LIMIT 1', args: [] })
    await sql('UPDATE usage_records SET cost_micros = cost_micros + 1 WHERE request_id = ?', record!.request_id)
    expect(kinds(await audit())).toEqual(['cost-mismatch', 'settle-mismatch'])
    await sql('UPDATE usage_records SET cost_micros = cost_micros - 1 WHERE request_id = ?', record!.request_id)
    await sql('UPDATE usage_records SET unbilled_micros = unbilled_micros + 5 WHERE request_id = ?', record!.request_id)
    expect(kinds(await audit())).toEqual(['settle-mismatch'])
    await sql('UPDATE usage_records SET unbilled_micros = unbilled_micros - 5 WHERE request_id = ?', record!.request_id)
    // Entries are append-only by trigger; someone with the database file can still drop it and edit one.
    await sql('DROP TRIGGER ledger_entries_no_update')
    await sql('UPDATE ledger_entries SET amount_micros = amount_micros - 5 WHERE id = ?', `${record!.request_id}:settle`)
    expect(kinds(await audit())).toEqual(['balance-mismatch', 'settle-mismatch', 'settled-total-mismatch'])
    await sql('UPDATE ledger_entries SET amount_micros = amount_micros + 5 WHERE id = ?', `${record!.request_id}:settle`)
    expect((await audit()).ok).toBe(true)
  })

  test('a rate changed after the fact, and rates that went missing', async () => {
    const [price] = await gateway.connection.client.query<{ id: string }>({ sql: 'SELECT price_id AS id FROM usage_records WHERE cost_micros > 0 LIMIT 1', args: [] })
    await sql('UPDATE prices SET output_pico = output_pico * 2 WHERE id = ?', price!.id)
    expect(kinds(await audit())).toEqual(['cost-mismatch'])
    await sql('UPDATE prices SET output_pico = output_pico / 2 WHERE id = ?', price!.id)
    await sql("UPDATE usage_records SET price_id = 'price_gone' WHERE price_id = ?", price!.id)
    expect(kinds(await audit())).toEqual(['unknown-price'])
    await sql("UPDATE usage_records SET price_id = ? WHERE price_id = 'price_gone'", price!.id)
    expect((await audit()).ok).toBe(true)
  })

  test('a hold never given back, a hold given back twice over, and a hold left by a dead gateway', async () => {
    const account = gateway.accountId
    const now = Date.now()
    await sql("INSERT INTO ledger_entries (id, account_id, kind, amount_micros, request_id, note, created_at_ms) VALUES ('req_lost:reserve', ?, 'reserve', -100, 'req_lost', NULL, ?)", account, now)
    await sql("INSERT INTO ledger_entries (id, account_id, kind, amount_micros, request_id, note, created_at_ms) VALUES ('req_ghost:release', ?, 'release', 100, 'req_ghost', NULL, ?)", account, now)
    await sql("INSERT INTO ledger_entries (id, account_id, kind, amount_micros, request_id, note, created_at_ms) VALUES ('req_dead:reserve', ?, 'reserve', -50, 'req_dead', NULL, ?)", account, now)
    await sql("INSERT INTO open_reservations (request_id, account_id, amount_micros, instance_id, created_at_ms) VALUES ('req_dead', ?, 50, 'gw_gone', ?)", account, now)
    const report = await audit()
    expect(kinds(report)).toEqual(['hold-not-released', 'release-without-hold', 'stale-hold'])
    expect(report.problems.map((problem) => problem.subject).sort()).toEqual(['req_dead', 'req_ghost:release', 'req_lost'])
    // The sweep of a live gateway releases the dead one's hold; the other two stay until someone corrects them.
    await gateway.ledger.sweep()
    await gateway.ledger.flush()
    expect(kinds(await audit())).toEqual(['hold-not-released', 'release-without-hold'])
  })
})
