import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts'
import {
  booksOf,
  entriesOf,
  fakeClock,
  ledgerBackends,
  openAccount,
  openTestDatabase,
  scalar,
  testTimings,
  usageRecordFor,
  type FakeClock,
  type TestDatabase,
} from '../support/ledger-harness.ts'

describe.each(ledgerBackends)('ledger on %s', (backend) => {
  let database: TestDatabase
  let clock: FakeClock
  const ledgers: Ledger[] = []
  const open = (instanceId = 'gw_test') => {
    const ledger = createLedger(database.connection.client, { now: clock.now, instanceId, timings: testTimings })
    ledgers.push(ledger)
    return ledger
  }
  const client = () => database.connection.client

  beforeEach(async () => {
    clock = fakeClock()
    database = await openTestDatabase(backend, clock.now())
  })
  afterEach(async () => {
    for (const ledger of ledgers.splice(0)) await ledger.stop()
    await database.close()
  })

  test('reserve holds, settle charges the cost and gives the rest back, release gives it all back', async () => {
    const ledger = open()
    const accountId = await openAccount(database.connection, 1_000_000, clock.now())

    expect(await ledger.reserve({ accountId, requestId: 'req_1', amountMicros: 300_000 })).toEqual({ ok: true })
    expect((await ledger.balance(accountId))?.balanceMicros).toBe(700_000)
    const open1 = await client().query({ sql: 'SELECT request_id, account_id, amount_micros, instance_id FROM open_reservations', args: [] })
    expect(open1).toEqual([{ request_id: 'req_1', account_id: accountId, amount_micros: 300_000, instance_id: 'gw_test' }])

    clock.advance(1500)
    await ledger.settle(usageRecordFor(accountId, 'req_1', 120_000, { input: 1000, cacheRead: 7, cacheWrite5m: 8, cacheWrite1h: 9, output: 200, reasoning: 150 }))
    expect(await ledger.balance(accountId)).toEqual({ balanceMicros: 880_000, updatedAtMs: clock.now() })
    expect(await entriesOf(client(), 'req_1')).toEqual([
      { id: 'req_1:release', kind: 'release', amount: 300_000, note: null },
      { id: 'req_1:reserve', kind: 'reserve', amount: -300_000, note: null },
      { id: 'req_1:settle', kind: 'settle', amount: -120_000, note: null },
    ])
    expect(await scalar(client(), 'SELECT COUNT(*) AS value FROM open_reservations')).toBe(0)
    const records = await client().query({
      sql: `SELECT account_id, input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens,
              cost_micros, unbilled_micros, outcome FROM usage_records WHERE request_id = 'req_1'`,
      args: [],
    })
    expect(records).toEqual([
      {
        account_id: accountId,
        input_tokens: 1000,
        cache_read_tokens: 7,
        cache_write_5m_tokens: 8,
        cache_write_1h_tokens: 9,
        output_tokens: 200,
        reasoning_tokens: 150,
        cost_micros: 120_000,
        unbilled_micros: 0,
        outcome: 'completed',
      },
    ])

    expect(await ledger.reserve({ accountId, requestId: 'req_2', amountMicros: 200_000 })).toEqual({ ok: true })
    await ledger.release('req_2')
    expect((await ledger.balance(accountId))?.balanceMicros).toBe(880_000)
    expect(await entriesOf(client(), 'req_2')).toEqual([
      { id: 'req_2:release', kind: 'release', amount: 200_000, note: 'released' },
      { id: 'req_2:reserve', kind: 'reserve', amount: -200_000, note: null },
    ])
    expect(await scalar(client(), "SELECT COUNT(*) AS value FROM usage_records WHERE request_id = 'req_2'")).toBe(0)
    expect(await booksOf(client(), accountId)).toEqual({ balanceMicros: 880_000, entriesSumMicros: 880_000 })
  })

  test('a hold the balance cannot cover is refused with what is available, and writes nothing', async () => {
    const ledger = open()
    const accountId = await openAccount(database.connection, 500, clock.now())
    expect(await ledger.reserve({ accountId, requestId: 'req_big', amountMicros: 501 })).toEqual({ ok: false, availableMicros: 500 })
    expect(await entriesOf(client(), 'req_big')).toEqual([])
    expect(await scalar(client(), 'SELECT COUNT(*) AS value FROM open_reservations')).toBe(0)
    expect(await ledger.reserve({ accountId, requestId: 'req_exact', amountMicros: 500 })).toEqual({ ok: true })
    expect((await ledger.balance(accountId))?.balanceMicros).toBe(0)
    expect(await ledger.reserve({ accountId, requestId: 'req_more', amountMicros: 1 })).toEqual({ ok: false, availableMicros: 0 })
    expect(await ledger.balance('acct_missing')).toBeUndefined()
  })

  test('replayed settles and releases change nothing', async () => {
    const ledger = open()
    const accountId = await openAccount(database.connection, 10_000, clock.now())
    await ledger.reserve({ accountId, requestId: 'req_s', amountMicros: 4000 })
    await ledger.reserve({ accountId, requestId: 'req_r', amountMicros: 3000 })
    await Promise.all([ledger.settle(usageRecordFor(accountId, 'req_s', 1000)), ledger.settle(usageRecordFor(accountId, 'req_s', 1000))])
    await ledger.settle(usageRecordFor(accountId, 'req_s', 2500))
    await ledger.release('req_r')
    await ledger.release('req_r')
    await ledger.release('req_s')
    const replayedReserve = await ledger.reserve({ accountId, requestId: 'req_s', amountMicros: 4000 }).then(
      (result) => result,
      (error: Error) => error.message,
    )
    expect(replayedReserve).not.toEqual({ ok: true })

    expect(await booksOf(client(), accountId)).toEqual({ balanceMicros: 9000, entriesSumMicros: 9000 })
    expect((await entriesOf(client(), 'req_s')).map((entry) => [entry.kind, entry.amount])).toEqual([
      ['release', 4000],
      ['reserve', -4000],
      ['settle', -1000],
    ])
    expect((await entriesOf(client(), 'req_r')).map((entry) => [entry.kind, entry.amount])).toEqual([
      ['release', 3000],
      ['reserve', -3000],
    ])
    expect(await scalar(client(), 'SELECT COUNT(*) AS value FROM usage_records')).toBe(1)
    expect(await scalar(client(), 'SELECT COUNT(*) AS value FROM open_reservations')).toBe(0)
  })

  test('settle never takes the balance below zero: what it cannot charge is recorded as unbilled', async () => {
    const ledger = open()
    const drained = await openAccount(database.connection, 1000, clock.now())
    await ledger.reserve({ accountId: drained, requestId: 'req_over', amountMicros: 1000 })
    await ledger.settle(usageRecordFor(drained, 'req_over', 5000))
    expect(await booksOf(client(), drained)).toEqual({ balanceMicros: 0, entriesSumMicros: 0 })
    expect((await entriesOf(client(), 'req_over')).find((entry) => entry.kind === 'settle')?.amount).toBe(-1000)

    const funded = await openAccount(database.connection, 10_000, clock.now())
    await ledger.reserve({ accountId: funded, requestId: 'req_past_hold', amountMicros: 1000 })
    await ledger.settle(usageRecordFor(funded, 'req_past_hold', 3000))
    await ledger.reserve({ accountId: funded, requestId: 'req_past_all', amountMicros: 1000 })
    await ledger.settle(usageRecordFor(funded, 'req_past_all', 9000))
    expect(await booksOf(client(), funded)).toEqual({ balanceMicros: 0, entriesSumMicros: 0 })

    const records = await client().query({ sql: 'SELECT request_id, cost_micros, unbilled_micros FROM usage_records ORDER BY request_id', args: [] })
    expect(records).toEqual([
      { request_id: 'req_over', cost_micros: 5000, unbilled_micros: 4000 },
      { request_id: 'req_past_all', cost_micros: 9000, unbilled_micros: 2000 },
      { request_id: 'req_past_hold', cost_micros: 3000, unbilled_micros: 0 },
    ])
  })

  test('release with a record keeps the record at cost 0', async () => {
    const ledger = open()
    const accountId = await openAccount(database.connection, 10_000, clock.now())
    await ledger.reserve({ accountId, requestId: 'req_failed', amountMicros: 6000 })
    await ledger.release('req_failed', { ...usageRecordFor(accountId, 'req_failed', 4321, { input: 77, output: 0 }), status: 502, outcome: 'upstream-error' })
    expect(await booksOf(client(), accountId)).toEqual({ balanceMicros: 10_000, entriesSumMicros: 10_000 })
    const records = await client().query({ sql: 'SELECT input_tokens, cost_micros, unbilled_micros, status, outcome FROM usage_records', args: [] })
    expect(records).toEqual([{ input_tokens: 77, cost_micros: 0, unbilled_micros: 0, status: 502, outcome: 'upstream-error' }])
  })

  test('credit is idempotent by id, and a negative adjustment cannot overdraw', async () => {
    const ledger = open()
    const accountId = await openAccount(database.connection, 1000, clock.now())
    const topUp = { id: 'topup_1', accountId, kind: 'top-up' as const, amountMicros: 2500, note: 'invoice 1' }
    expect(await ledger.credit(topUp)).toBe(true)
    expect(await ledger.credit(topUp)).toBe(false)
    expect(await ledger.credit({ ...topUp, amountMicros: 99_999 })).toBe(false)
    expect(await ledger.credit({ id: 'adjust_1', accountId, kind: 'adjustment', amountMicros: -500, note: 'refund' })).toBe(true)
    await expect(ledger.credit({ id: 'adjust_2', accountId, kind: 'adjustment', amountMicros: -3001, note: null })).rejects.toThrow('anvat: insufficient credit')
    expect(await booksOf(client(), accountId)).toEqual({ balanceMicros: 3000, entriesSumMicros: 3000 })
    const entries = await client().query({ sql: "SELECT id, kind, amount_micros, note FROM ledger_entries WHERE kind <> 'grant' ORDER BY id", args: [] })
    expect(entries).toEqual([
      { id: 'adjust_1', kind: 'adjustment', amount_micros: -500, note: 'refund' },
      { id: 'topup_1', kind: 'top-up', amount_micros: 2500, note: 'invoice 1' },
    ])
  })

  test('sweep releases the holds of dead instances and expired holds, and leaves live ones alone', async () => {
    const startMs = clock.now()
    const sweeper = open('gw_sweeper')
    const live = open('gw_live')
    const dying = open('gw_dying')
    const accountId = await openAccount(database.connection, 100_000, clock.now())
    // Every instance heartbeats before it holds anything, as `serve` does at start.
    for (const ledger of [sweeper, live, dying]) await ledger.sweep()
    await sweeper.reserve({ accountId, requestId: 'req_own', amountMicros: 1000 })
    await live.reserve({ accountId, requestId: 'req_live', amountMicros: 2000 })
    await dying.reserve({ accountId, requestId: 'req_dying', amountMicros: 4000 })
    expect(await sweeper.sweep()).toBe(0)
    // A hold from a process that never wrote a heartbeat at all goes at once.
    await client().run({
      sql: "INSERT INTO open_reservations (request_id, account_id, amount_micros, instance_id, created_at_ms) VALUES ('req_ghost', ?, 0, 'gw_ghost', ?)",
      args: [accountId, clock.now()],
    })
    expect(await sweeper.sweep()).toBe(1)
    expect((await entriesOf(client(), 'req_ghost')).map((entry) => entry.kind)).toEqual(['release'])

    // The live instance keeps heartbeating; the dying one has stopped. Its holds go once its heartbeat is stale.
    clock.advance(testTimings.instanceTimeoutMs - 1)
    expect(await live.sweep()).toBe(0)
    expect(await sweeper.sweep()).toBe(0)
    clock.advance(2)
    expect(await sweeper.sweep()).toBe(1)
    expect((await entriesOf(client(), 'req_dying')).map((entry) => [entry.kind, entry.amount, entry.note])).toEqual([
      ['release', 4000, 'swept: holder gone or hold expired'],
      ['reserve', -4000, null],
    ])
    const stillOpen = await client().query<{ request_id: string }>({ sql: 'SELECT request_id FROM open_reservations ORDER BY request_id', args: [] })
    expect(stillOpen.map((row) => row.request_id)).toEqual(['req_live', 'req_own'])
    const instances = await client().query<{ id: string }>({ sql: 'SELECT id FROM gateway_instances ORDER BY id', args: [] })
    expect(instances.map((row) => row.id)).toEqual(['gw_live', 'gw_sweeper'])
    expect((await sweeper.balance(accountId))?.balanceMicros).toBe(100_000 - 1000 - 2000)

    // Past the reservation timeout even a live holder's and the sweeper's own holds go.
    // Both keep heartbeating (every sweep is also a heartbeat) until the holds reach the timeout.
    const expiresAtMs = startMs + testTimings.reservationTimeoutMs
    while (clock.now() + 9000 <= expiresAtMs) {
      clock.advance(9000)
      expect(await live.sweep()).toBe(0)
      expect(await sweeper.sweep()).toBe(0)
    }
    clock.advance(expiresAtMs - clock.now())
    expect(await sweeper.sweep()).toBe(0)
    clock.advance(1)
    expect(await sweeper.sweep()).toBe(2)
    expect(await sweeper.sweep()).toBe(0)
    expect(await booksOf(client(), accountId)).toEqual({ balanceMicros: 100_000, entriesSumMicros: 100_000 })

    // A settle arriving after its hold was swept still charges, once.
    await live.settle(usageRecordFor(accountId, 'req_live', 1500))
    await live.settle(usageRecordFor(accountId, 'req_live', 1500))
    expect(await booksOf(client(), accountId)).toEqual({ balanceMicros: 98_500, entriesSumMicros: 98_500 })
  })
})
