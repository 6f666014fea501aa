/**
 * The ledger's writer thread (`openLedger(…, { writerThread: true })`, what `anvat serve` uses on a SQLite file):
 * writes run on a second connection in a worker, reads stay in this thread, and each write is visible to reads once
 * it has resolved; a batch is still all-or-nothing, its error message intact, and batches apply in the order asked.
 */
import { afterEach, beforeEach, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openLedger, type LedgerConnection } from '../../src/ledger/database.ts'
import { createLedger } from '../../src/ledger/ledger.ts'
import { booksOf, fakeClock, openAccount, scalar, testTimings, usageRecordFor } from '../support/ledger-harness.ts'

let directory: string
let connection: LedgerConnection

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'anvat-writer-'))
  connection = await openLedger({ path: join(directory, 'ledger.db') }, Date.now(), { writerThread: true })
})
afterEach(() => {
  connection.close()
  rmSync(directory, { recursive: true, force: true })
})

test('a write is visible to reads in this thread once it resolves; reads and synchronous reads stay here', async () => {
  expect(connection.client.batchSync).toBeUndefined()
  expect(connection.client.querySync).toBeDefined()
  const accountId = await openAccount(connection, 5_000, Date.now())
  await connection.client.batch([{ sql: "INSERT INTO ledger_entries (id, account_id, kind, amount_micros, created_at_ms) VALUES ('t1', ?, 'top-up', 250, 1)", args: [accountId] }])
  expect(await scalar(connection.client, 'SELECT balance_micros AS value FROM accounts WHERE id = ?', [accountId])).toBe(5_250)
  expect(connection.client.querySync!<{ value: number }>({ sql: 'SELECT balance_micros AS value FROM accounts WHERE id = ?', args: [accountId] })).toEqual([{ value: 5_250 }])
})

test('a failing batch rejects with the database’s message and applies nothing; later batches are unaffected', async () => {
  const accountId = await openAccount(connection, 1_000, Date.now())
  const debit = (id: string, micros: number) => ({ sql: "INSERT INTO ledger_entries (id, account_id, kind, amount_micros, created_at_ms) VALUES (?, ?, 'adjustment', ?, 1)", args: [id, accountId, micros] })
  const failed = await connection.client.batch([debit('a1', -400), debit('a2', -700)]).then(
    () => 'applied',
    (error: Error) => error.message,
  )
  expect(failed).toContain('anvat: insufficient credit')
  expect(await scalar(connection.client, 'SELECT COUNT(*) AS value FROM ledger_entries WHERE id IN (?, ?)', ['a1', 'a2'])).toBe(0)
  expect(await connection.client.batch([debit('a3', -1_000)])).toEqual([{ rowsAffected: 1 }])
  expect(await scalar(connection.client, 'SELECT balance_micros AS value FROM accounts WHERE id = ?', [accountId])).toBe(0)
})

test('batches asked for together apply in the order asked', async () => {
  const accountId = await openAccount(connection, 0, Date.now())
  const writes = Array.from({ length: 50 }, (_, index) =>
    connection.client.batch([
      { sql: "INSERT INTO ledger_entries (id, account_id, kind, amount_micros, created_at_ms) VALUES (?, ?, 'top-up', 1, ?)", args: [`o${index}`, accountId, index] },
    ]),
  )
  await Promise.all(writes)
  const order = connection.client.querySync!<{ id: string }>({ sql: "SELECT id FROM ledger_entries WHERE id LIKE 'o%' ORDER BY rowid", args: [] })
  expect(order.map((row) => row.id)).toEqual(Array.from({ length: 50 }, (_, index) => `o${index}`))
})

test('the ledger over it: holds written behind, settles and releases land, the books balance', async () => {
  const clock = fakeClock()
  const ledger = createLedger(connection.client, { now: clock.now, instanceId: 'gw_writer', timings: { ...testTimings, groupCommitDelayMs: 2 } })
  const accountId = await openAccount(connection, 10_000, clock.now())
  const holds = await Promise.all(Array.from({ length: 12 }, (_, index) => ledger.reserve({ accountId, requestId: `req_${index}`, amountMicros: 1_000 })))
  expect(holds.filter((hold) => hold.ok)).toHaveLength(10)
  await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? ledger.settle(usageRecordFor(accountId, `req_${index}`, 300)) : ledger.release(`req_${index}`))))
  await ledger.stop()
  expect(await booksOf(connection.client, accountId)).toEqual({ balanceMicros: 10_000 - 5 * 300, entriesSumMicros: 10_000 - 5 * 300 })
  expect(await scalar(connection.client, 'SELECT COUNT(*) AS value FROM open_reservations')).toBe(0)
})

test('an in-memory database keeps its writes in this thread: a second connection would open another database', async () => {
  const memory = await openLedger({ path: ':memory:' }, Date.now(), { writerThread: true })
  expect(memory.client.batchSync).toBeDefined()
  memory.close()
})
