import { Database } from 'bun:sqlite'
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import { applyMigrations } from './migrations.ts'
import * as schema from './schema.ts'

export type LedgerDatabase = BunSQLiteDatabase<typeof schema>

/** How long a writer waits for another process's lock before failing. */
const busyTimeoutMs = 5_000

/**
 * Opens (creating if needed) the SQLite ledger at `path`, in WAL mode so readers never wait for the writer, with
 * foreign keys enforced, and brings its schema up to date from the embedded migrations.
 */
export function openLedgerDatabase(path: string, nowMs: number): { database: LedgerDatabase; close: () => void } {
  const sqlite = new Database(path, { create: true, strict: true })
  sqlite.run('PRAGMA journal_mode = WAL')
  sqlite.run(`PRAGMA busy_timeout = ${busyTimeoutMs}`)
  sqlite.run('PRAGMA synchronous = NORMAL')
  sqlite.run('PRAGMA foreign_keys = ON')
  applyMigrations(sqlite, nowMs)
  return { database: drizzle({ client: sqlite, schema }), close: () => sqlite.close() }
}
