/**
 * Holds on a SQLite file this gateway has to itself are decided in memory and written with the next group commit
 * (off the request's path). Until written they still count: against the balance every reader sees, against the spend
 * window, and against the next hold, so no burst can hold more than the balance. When another live gateway shares
 * the file, holds are written before `reserve` resolves, as on libSQL.
 */
import { afterEach, beforeEach, expect, test } from 'bun:test'
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts'
import { booksOf, fakeClock, openAccount, openTestDatabase, scalar, testTimings, usageRecordFor, type FakeClock, type TestDatabase } from '../support/ledger-harness.ts'

let database: TestDatabase
let clock: FakeClock
const ledgers: Ledger[] = []
const open = (instanceId: string, groupCommitDelayMs = 50) => {
  const ledger = createLedger(database.connection.client, { now: clock.now, instanceId, timings: { ...testTimings, groupCommitDelayMs } })
  ledgers.push(ledger)
  return ledger
}
const openHolds = () => scalar(database.connection.client, 'SELECT COUNT(*) AS value FROM open_reservations')

beforeEach(async () => {
  clock = fakeClock()
  database = await openTestDatabase('bun:sqlite', clock.now())
})
afterEach(async () => {
  for (const ledger of ledgers.splice(0)) await ledger.stop()
  await database.close()
})

test('an unwritten hold counts against the balance, the spend window and the next hold; it is written with the next commit', async () => {
  const ledger = open('gw_alone')
  const accountId = await openAccount(database.connection, 10_000, clock.now())
  expect(await ledger.reserve({ accountId, requestId: 'req_1', amountMicros: 6_000 })).toEqual({ ok: true })
  // Not in the database yet (the commit gathers for 50 ms), yet every reader sees it.
  expect(await openHolds()).toBe(0)
  expect((await ledger.balance(accountId))?.balanceMicros).toBe(4_000)
  expect((await ledger.windowSpend(accountId, clock.now() - 1_000)).heldMicros).toBe(6_000)
  expect(await ledger.reserve({ accountId, requestId: 'req_2', amountMicros: 4_001 })).toEqual({ ok: false, availableMicros: 4_000 })
  expect(await ledger.reserve({ accountId, requestId: 'req_3', amountMicros: 4_000 })).toEqual({ ok: true })

  await ledger.flush()
  expect(await openHolds()).toBe(2)
  // Written: counted once, from the database, not twice.
  expect((await ledger.balance(accountId))?.balanceMicros).toBe(0)
  expect((await ledger.windowSpend(accountId, clock.now() - 1_000)).heldMicros).toBe(10_000)
  await ledger.settle(usageRecordFor(accountId, 'req_1', 1_000))
  await ledger.release('req_3')
  expect(await booksOf(database.connection.client, accountId)).toEqual({ balanceMicros: 9_000, entriesSumMicros: 9_000 })
})

test('a burst in one tick holds exactly what the balance covers', async () => {
  const ledger = open('gw_alone')
  const accountId = await openAccount(database.connection, 10_000, clock.now())
  const results = await Promise.all(Array.from({ length: 25 }, (_, index) => ledger.reserve({ accountId, requestId: `req_${index}`, amountMicros: 1_000 })))
  expect(results.filter((result) => result.ok)).toHaveLength(10)
  await ledger.flush()
  expect(await openHolds()).toBe(10)
  expect(await booksOf(database.connection.client, accountId)).toEqual({ balanceMicros: 0, entriesSumMicros: 0 })
})

test('a request id that already has a hold, written or not, is refused', async () => {
  const ledger = open('gw_alone')
  const accountId = await openAccount(database.connection, 10_000, clock.now())
  expect(await ledger.reserve({ accountId, requestId: 'req_1', amountMicros: 100 })).toEqual({ ok: true })
  const again = () =>
    ledger.reserve({ accountId, requestId: 'req_1', amountMicros: 100 }).then(
      (result) => result,
      (error: Error) => error.message,
    )
  expect(await again()).toContain('already exists')
  await ledger.flush()
  expect(await again()).toContain('already exists')
  expect((await ledger.balance(accountId))?.balanceMicros).toBe(9_900)
})

test('with another live gateway on the file, holds are written before reserve resolves, after this one’s unwritten ones', async () => {
  const first = open('gw_first')
  // Every gateway heartbeats before it serves (anvat serve sweeps at start); alone on the file, it writes behind.
  await first.sweep()
  const accountId = await openAccount(database.connection, 10_000, clock.now())
  expect(await first.reserve({ accountId, requestId: 'req_before', amountMicros: 1_000 })).toEqual({ ok: true })
  expect(await openHolds()).toBe(0)
  // A second gateway registers with its first heartbeat.
  const second = open('gw_second')
  await second.sweep()
  expect(await first.reserve({ accountId, requestId: 'req_shared', amountMicros: 1_000 })).toEqual({ ok: true })
  expect(await openHolds()).toBe(2)
  expect(await second.reserve({ accountId, requestId: 'req_second', amountMicros: 8_001 })).toEqual({ ok: false, availableMicros: 8_000 })
  expect(await second.reserve({ accountId, requestId: 'req_second', amountMicros: 8_000 })).toEqual({ ok: true })
  expect(await openHolds()).toBe(3)
  // Once its heartbeat is stale, the first gateway has the file to itself again.
  clock.advance(testTimings.instanceTimeoutMs + 1)
  await first.sweep()
  await first.release('req_second')
  expect(await first.reserve({ accountId, requestId: 'req_after', amountMicros: 500 })).toEqual({ ok: true })
  expect(await openHolds()).toBe(2)
  await first.flush()
  expect(await openHolds()).toBe(3)
})
