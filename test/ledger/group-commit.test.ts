import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createLedger, type Ledger, type LedgerTimings } from '../../src/ledger/ledger.ts'
import type { SqlClient } from '../../src/ledger/sql-client.ts'
import { booksOf, fakeClock, ledgerBackends, openAccount, openTestDatabase, scalar, testTimings, usageRecordFor, type TestDatabase } from '../support/ledger-harness.ts'

/**
 * A SqlClient that counts its batches, and can be told to fail the next few. Asynchronous only, so holds are written
 * on the request's path (as on libSQL) and every batch counted here is a group of settlements.
 */
function countingClient(client: SqlClient) {
  const counts = { batches: 0, failuresToInject: 0 }
  const { querySync: _querySync, batchSync: _batchSync, ...asynchronous } = client
  const wrapped: SqlClient = {
    ...asynchronous,
    batch: async (statements) => {
      counts.batches += 1
      if (counts.failuresToInject > 0) {
        counts.failuresToInject -= 1
        throw new Error('injected: database unreachable')
      }
      return client.batch(statements)
    },
  }
  return { client: wrapped, counts }
}

/** Over HTTP every reservation is a round trip: fewer there, to keep the run short. */
const requestsCounts = { 'bun:sqlite': 500, 'libsql over Hrana': 100 } as const
const costMicros = 30

describe.each(ledgerBackends)('group commit on %s', (backend) => {
  const clock = fakeClock()
  const requestsCount = requestsCounts[backend]
  let database: TestDatabase
  const ledgers: Ledger[] = []
  let holdings = 0
  beforeEach(async () => {
    database = await openTestDatabase(backend, clock.now())
  })
  afterEach(async () => {
    for (const ledger of ledgers.splice(0)) await ledger.stop()
    await database.close()
  })

  /** An account with `requestsCount` holds of 100, and a ledger over a counting client, counter at zero. */
  async function holdMany(timings: Partial<LedgerTimings> = {}) {
    holdings += 1
    const prefix = `req_${holdings}`
    const counting = countingClient(database.connection.client)
    const ledger = createLedger(counting.client, { now: clock.now, instanceId: 'gw_group', timings: { ...testTimings, ...timings } })
    ledgers.push(ledger)
    const accountId = await openAccount(database.connection, 100 * requestsCount, clock.now())
    await Promise.all(Array.from({ length: requestsCount }, (_, index) => ledger.reserve({ accountId, requestId: `${prefix}_${index}`, amountMicros: 100 })))
    counting.counts.batches = 0
    return { ledger, accountId, prefix, counts: counting.counts }
  }

  test('settles issued in one tick go to the database in one batch, and flush waits for them', async () => {
    const { ledger, accountId, prefix, counts } = await holdMany()
    let written = 0
    for (let index = 0; index < requestsCount; index++) void ledger.settle(usageRecordFor(accountId, `${prefix}_${index}`, costMicros)).then(() => (written += 1))
    await ledger.flush()
    expect(written).toBe(requestsCount)
    expect(counts.batches).toBe(1)
    expect(await scalar(database.connection.client, 'SELECT COUNT(*) AS value FROM usage_records')).toBe(requestsCount)
    expect(await scalar(database.connection.client, 'SELECT COUNT(*) AS value FROM open_reservations')).toBe(0)
    expect(await booksOf(database.connection.client, accountId)).toEqual({ balanceMicros: 70 * requestsCount, entriesSumMicros: 70 * requestsCount })
  }, 30_000)

  test('a batch holds at most groupCommitEntriesMax settlements; at 1 every settle is its own batch', async () => {
    const grouped = await holdMany({ groupCommitEntriesMax: 100 })
    await Promise.all(Array.from({ length: requestsCount }, (_, index) => grouped.ledger.settle(usageRecordFor(grouped.accountId, `${grouped.prefix}_${index}`, costMicros))))
    expect(grouped.counts.batches).toBe(Math.ceil(requestsCount / 100))

    const ungrouped = await holdMany({ groupCommitEntriesMax: 1 })
    const settleOne = (index: number) => ungrouped.ledger.settle(usageRecordFor(ungrouped.accountId, `${ungrouped.prefix}_${index}`, costMicros))
    await Promise.all(Array.from({ length: requestsCount }, (_, index) => settleOne(index)))
    expect(ungrouped.counts.batches).toBe(requestsCount)
    expect(await booksOf(database.connection.client, ungrouped.accountId)).toEqual({ balanceMicros: 70 * requestsCount, entriesSumMicros: 70 * requestsCount })
  }, 30_000)

  test('a failed batch is retried settlement by settlement, and charges each once', async () => {
    const { ledger, accountId, prefix, counts } = await holdMany()
    counts.failuresToInject = 2
    await Promise.all(Array.from({ length: 10 }, (_, index) => ledger.settle(usageRecordFor(accountId, `${prefix}_${index}`, costMicros))))
    // The group fails, the ten are written one by one (the first of them hits the second injected failure), and that
    // one is written again after the pause: 1 + 10 + 1.
    expect(counts.batches).toBe(12)
    await Promise.all(Array.from({ length: 10 }, (_, index) => ledger.settle(usageRecordFor(accountId, `${prefix}_${index}`, costMicros))))
    const expectedMicros = 100 * requestsCount - 100 * (requestsCount - 10) - costMicros * 10
    expect(await booksOf(database.connection.client, accountId)).toEqual({ balanceMicros: expectedMicros, entriesSumMicros: expectedMicros })
    expect(await scalar(database.connection.client, "SELECT COUNT(*) AS value FROM ledger_entries WHERE kind = 'settle'")).toBe(10)
  }, 30_000)
})
