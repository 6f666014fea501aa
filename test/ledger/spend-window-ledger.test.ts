/**
 * The ledger's side of the spend cap: what an account settled inside a window and holds now, read from the running
 * totals the settle trigger keeps (spend_marks), and when the settle that frees a given amount was written. Checked
 * against the plain sum of the ledger's settle entries, on both backends, and across the 0005 migration's backfill.
 */
import { Database } from 'bun:sqlite'
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts'
import { migrations } from '../../src/ledger/migrations.ts'
import { sqliteClient } from '../../src/ledger/sql-client.ts'
import { fakeClock, ledgerBackends, openAccount, openTestDatabase, scalar, testTimings, usageRecordFor, type FakeClock, type TestDatabase } from '../support/ledger-harness.ts'

describe.each(ledgerBackends)('spend window on %s', (backend) => {
  let database: TestDatabase
  let clock: FakeClock
  let ledger: Ledger
  const startMs = 1_700_000_000_000

  beforeEach(async () => {
    clock = fakeClock(startMs)
    database = await openTestDatabase(backend, clock.now())
    ledger = createLedger(database.connection.client, { now: clock.now, instanceId: 'gw_test', timings: testTimings })
  })
  afterEach(async () => {
    await ledger.stop()
    await database.close()
  })

  /** Settles `costMicros` for a new request at the clock's current time. */
  async function spend(accountId: string, requestId: string, costMicros: number) {
    expect(await ledger.reserve({ accountId, requestId, amountMicros: costMicros + 1_000 })).toEqual({ ok: true })
    await ledger.settle(usageRecordFor(accountId, requestId, costMicros))
  }

  test('settled spend since any time equals the sum of the settle entries after it; holds are counted apart', async () => {
    const accountId = await openAccount(database.connection, 100_000_000, clock.now())
    const other = await openAccount(database.connection, 100_000_000, clock.now())
    const costs = [300, 0, 450, 1_200, 75, 75, 9_000]
    for (const [index, cost] of costs.entries()) {
      clock.advance(1_000)
      await spend(accountId, `req_${index}`, cost)
      await spend(other, `req_other_${index}`, 5_000)
    }
    expect(await ledger.reserve({ accountId, requestId: 'req_open', amountMicros: 2_500 })).toEqual({ ok: true })
    for (let sinceMs = startMs - 1_000; sinceMs <= clock.now() + 1_000; sinceMs += 500) {
      const expected = await scalar(
        database.connection.client,
        "SELECT COALESCE(-SUM(amount_micros), 0) AS value FROM ledger_entries WHERE account_id = ? AND kind = 'settle' AND created_at_ms > ?",
        [accountId, sinceMs],
      )
      const window = await ledger.windowSpend(accountId, sinceMs)
      expect({ sinceMs, settled: window.settledMicros, held: window.heldMicros }).toEqual({ sinceMs, settled: expected, held: 2_500 })
    }
  })

  test('the settle that frees an amount: the first whose running total reaches the window base plus that amount', async () => {
    const accountId = await openAccount(database.connection, 100_000_000, clock.now())
    const settledAt: number[] = []
    for (const [index, cost] of [300, 300, 300].entries()) {
      clock.advance(1_000)
      settledAt.push(clock.now())
      await spend(accountId, `req_${index}`, cost)
    }
    const window = await ledger.windowSpend(accountId, startMs)
    expect(window).toEqual({ settledMicros: 900, heldMicros: 0, baseTotalMicros: 0 })
    expect(await ledger.spendReachedAt(accountId, window.baseTotalMicros + 1)).toBe(settledAt[0])
    expect(await ledger.spendReachedAt(accountId, window.baseTotalMicros + 300)).toBe(settledAt[0])
    expect(await ledger.spendReachedAt(accountId, window.baseTotalMicros + 301)).toBe(settledAt[1])
    expect(await ledger.spendReachedAt(accountId, window.baseTotalMicros + 900)).toBe(settledAt[2])
    expect(await ledger.spendReachedAt(accountId, window.baseTotalMicros + 901)).toBeUndefined()
    // A window that starts after the first settle counts from that settle's total.
    const later = await ledger.windowSpend(accountId, settledAt[0]!)
    expect(later).toEqual({ settledMicros: 600, heldMicros: 0, baseTotalMicros: 300 })
    expect(await ledger.spendReachedAt(accountId, later.baseTotalMicros + 301)).toBe(settledAt[2])
  })

  test('several settles in one millisecond: the window base is the last of them, not any one', async () => {
    const accountId = await openAccount(database.connection, 100_000_000, clock.now())
    clock.advance(1_000)
    const sameMs = clock.now()
    for (let index = 0; index < 5; index++) await spend(accountId, `req_${index}`, 100)
    clock.advance(1_000)
    await spend(accountId, 'req_late', 40)
    expect(await ledger.windowSpend(accountId, sameMs)).toEqual({ settledMicros: 40, heldMicros: 0, baseTotalMicros: 500 })
  })
})

test('migration 0005 gives settles written before it their running totals', async () => {
  const database = new Database(':memory:')
  const client = sqliteClient(database)
  const run = (sql: string) => {
    for (const statement of sql.split('--> statement-breakpoint')) if (statement.trim() !== '') database.run(statement)
  }
  const before = migrations.filter((migration) => migration.tag < '0005')
  for (const migration of before) run(migration.sql)
  database.run("INSERT INTO accounts (id, name, balance_micros, created_at_ms) VALUES ('acct_a', 'a', 0, 0), ('acct_b', 'b', 0, 0)")
  const entries: Array<[string, string, string, number, number]> = [
    ['g_a', 'acct_a', 'grant', 10_000, 1],
    ['g_b', 'acct_b', 'grant', 10_000, 1],
    ['s_a1', 'acct_a', 'settle', -100, 10],
    ['s_b1', 'acct_b', 'settle', -7, 15],
    ['s_a2', 'acct_a', 'settle', -250, 20],
    ['r_a', 'acct_a', 'reserve', -999, 25],
    ['s_a3', 'acct_a', 'settle', -5, 30],
  ]
  for (const [id, account, kind, amount, atMs] of entries) {
    database.query('INSERT INTO ledger_entries (id, account_id, kind, amount_micros, created_at_ms) VALUES (?, ?, ?, ?, ?)').run(id, account, kind, amount, atMs)
  }
  run(migrations.find((migration) => migration.tag === '0005_spend_marks')!.sql)
  expect(database.query('SELECT id, settled_total_micros AS total FROM accounts ORDER BY id').all()).toEqual([
    { id: 'acct_a', total: 355 },
    { id: 'acct_b', total: 7 },
  ])
  expect(database.query('SELECT account_id, at_ms, total_micros FROM spend_marks ORDER BY account_id, at_ms').all()).toEqual([
    { account_id: 'acct_a', at_ms: 10, total_micros: 100 },
    { account_id: 'acct_a', at_ms: 20, total_micros: 350 },
    { account_id: 'acct_a', at_ms: 30, total_micros: 355 },
    { account_id: 'acct_b', at_ms: 15, total_micros: 7 },
  ])
  // And a settle after the migration continues the running total.
  const ledger = createLedger(client, { now: () => 40, instanceId: 'gw_test', timings: testTimings })
  expect(await ledger.windowSpend('acct_a', 15)).toEqual({ settledMicros: 255, heldMicros: 0, baseTotalMicros: 100 })
  database.run("INSERT INTO ledger_entries (id, account_id, kind, amount_micros, created_at_ms) VALUES ('s_a4', 'acct_a', 'settle', -45, 40)")
  expect(await ledger.windowSpend('acct_a', 15)).toEqual({ settledMicros: 300, heldMicros: 0, baseTotalMicros: 100 })
  await ledger.stop()
  database.close()
})
