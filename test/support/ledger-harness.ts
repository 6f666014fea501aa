/**
 * Shared setup for the ledger tests: a fresh database on either backend (a bun:sqlite file, or the same kind of file
 * behind the Hrana test server, reached through the real `@libsql/client/web`), a fake clock, funded accounts, usage
 * records and the reads that check the books.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { zeroUsage, type Usage } from '../../src/core/usage.ts'
import { openLedger, type LedgerConnection, type LedgerLocation } from '../../src/ledger/database.ts'
import { createKey } from '../../src/ledger/keys.ts'
import type { Ledger, LedgerTimings, UsageRecordInput } from '../../src/ledger/ledger.ts'
import type { SqlClient } from '../../src/ledger/sql-client.ts'
import { startHranaServer } from './hrana-server.ts'

export type LedgerBackend = 'bun:sqlite' | 'libsql over Hrana'
export const ledgerBackends: LedgerBackend[] = ['bun:sqlite', 'libsql over Hrana']

/** Long sweep interval: the timer never fires during a test, which calls `sweep()` itself on the fake clock. */
export const testTimings: LedgerTimings = {
  reservationTimeoutMs: 60_000,
  instanceTimeoutMs: 10_000,
  sweepIntervalMs: 3_600_000,
  groupCommitEntriesMax: 1_000,
  groupCommitDelayMs: 0,
}

export type FakeClock = { now: () => number; advance: (durationMs: number) => void }

/** A clock that moves only when told to. */
export function fakeClock(startMs = 1_700_000_000_000): FakeClock {
  let nowMs = startMs
  return { now: () => nowMs, advance: (durationMs) => void (nowMs += durationMs) }
}

export type TestDatabase = {
  connection: LedgerConnection
  /** Where a second process can open the same database. */
  location: LedgerLocation
  /** The SQLite file underneath, on either backend. */
  path: string
  close: () => Promise<void>
}

/** A migrated, empty ledger database in a new temporary directory. */
export async function openTestDatabase(backend: LedgerBackend, nowMs: number): Promise<TestDatabase> {
  const directory = mkdtempSync(join(tmpdir(), 'anvat-ledger-'))
  const path = join(directory, 'ledger.db')
  const server = backend === 'libsql over Hrana' ? startHranaServer({ databasePath: path }) : undefined
  const location: LedgerLocation = server === undefined ? { path } : { url: server.url }
  const connection = await openLedger(location, nowMs)
  return {
    connection,
    location,
    path,
    close: async () => {
      connection.close()
      await server?.stop()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

/** A new account holding `creditMicros`, opened the way `anvat keys create` does it. */
export async function openAccount(connection: LedgerConnection, creditMicros: number, nowMs: number): Promise<string> {
  const { accountId } = await createKey(connection, { name: 'test', creditMicros }, nowMs)
  return accountId
}

/** A usage record for `requestId` costing `costMicros`. */
export function usageRecordFor(accountId: string, requestId: string, costMicros: number, usage: Partial<Usage> = {}): UsageRecordInput {
  return {
    requestId,
    keyId: 'key_test',
    accountId,
    model: 'test-model',
    requestedModel: 'test-model',
    attempts: 1,
    provider: 'test',
    dialectIn: 'anthropic',
    dialectOut: 'anthropic',
    usage: { ...zeroUsage, input: 100, output: 50, ...usage },
    costMicros,
    status: 200,
    outcome: 'completed',
    estimated: false,
    partial: false,
    durationMs: 5,
  }
}

export type EntryRow = { id: string; kind: string; amount: number; note: string | null }

/** A request's ledger entries, by id. */
export async function entriesOf(client: SqlClient, requestId: string): Promise<EntryRow[]> {
  const rows = await client.query<EntryRow>({
    sql: 'SELECT id, kind, amount_micros AS amount, note FROM ledger_entries WHERE request_id = ? ORDER BY id',
    args: [requestId],
  })
  return rows.map((row) => ({ ...row, amount: Number(row.amount) }))
}

/** The cached balance and the sum of the entries it must equal. */
export async function booksOf(client: SqlClient, accountId: string): Promise<{ balanceMicros: number; entriesSumMicros: number }> {
  const rows = await client.query<{ balance: number; total: number }>({
    sql: `SELECT balance_micros AS balance,
            (SELECT COALESCE(SUM(amount_micros), 0) FROM ledger_entries WHERE account_id = accounts.id) AS total
          FROM accounts WHERE id = ?`,
    args: [accountId],
  })
  const row = rows[0]
  if (row === undefined) throw new Error(`no account ${accountId}`)
  return { balanceMicros: Number(row.balance), entriesSumMicros: Number(row.total) }
}

/** A single number from a query such as `SELECT COUNT(*) AS value …`. */
export async function scalar(client: SqlClient, sql: string, args: Array<string | number> = []): Promise<number> {
  const rows = await client.query<{ value: number }>({ sql, args })
  return Number(rows[0]?.value ?? Number.NaN)
}

/**
 * One process's share of a race for credit: `attempts` reservations of `holdMicros`, `waveSize` at a time, each one
 * that succeeds settled at exactly its hold. Returns how many succeeded.
 */
export async function reserveAndSettle(
  ledger: Ledger,
  workload: { accountId: string; instanceId: string; attempts: number; holdMicros: number; waveSize: number },
): Promise<number> {
  const { accountId, instanceId, attempts, holdMicros, waveSize } = workload
  let reserved = 0
  for (let start = 0; start < attempts; start += waveSize) {
    const wave = Array.from({ length: Math.min(waveSize, attempts - start) }, async (_, offset) => {
      const requestId = `${instanceId}_${start + offset}`
      const hold = await ledger.reserve({ accountId, requestId, amountMicros: holdMicros })
      if (!hold.ok) return
      reserved += 1
      await ledger.settle(usageRecordFor(accountId, requestId, holdMicros))
    })
    await Promise.all(wave)
  }
  return reserved
}

export { seededRandom } from './fixtures.ts'
