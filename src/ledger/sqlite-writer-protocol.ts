import type { Database } from 'bun:sqlite'
import type { SqlStatement } from './sql-client.ts'

/** What the main thread asks the ledger's writer thread (src/ledger/sqlite-writer.ts), each with an id for the reply. */
export type WriterRequest =
  | { type: 'open'; id: number; path: string }
  | { type: 'batch'; id: number; statements: SqlStatement[] }
  | { type: 'close'; id: number }

export type WriterReply = { id: number; ok: true; results: Array<{ rowsAffected: number }> } | { id: number; ok: false; message: string }

const busyTimeoutMs = 5_000

/** The settings every connection to a ledger file uses: WAL, a wait for the write lock, NORMAL sync, foreign keys. */
export function configureSqlite(database: Database) {
  database.run('PRAGMA journal_mode = WAL')
  database.run(`PRAGMA busy_timeout = ${busyTimeoutMs}`)
  database.run('PRAGMA synchronous = NORMAL')
  database.run('PRAGMA foreign_keys = ON')
}
