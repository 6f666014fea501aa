import { Database } from 'bun:sqlite'
import { createClient } from '@libsql/client/web'
import { drizzle as drizzleSqlite } from 'drizzle-orm/bun-sqlite'
import { drizzle as drizzleLibsql } from 'drizzle-orm/libsql/web'
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import { applyMigrations } from './migrations.ts'
import * as schema from './schema.ts'
import { libsqlClient, sqliteClient, type SqlClient } from './sql-client.ts'
import { sqliteWriterClient } from './sqlite-writer-client.ts'
import { configureSqlite } from './sqlite-writer-protocol.ts'

/**
 * Drizzle over either driver. Typed as the asynchronous kind: every query is awaited, which both the synchronous
 * bun:sqlite driver and the libSQL one support, so the code above never knows which it has.
 */
export type LedgerDatabase = BaseSQLiteDatabase<'async', unknown, typeof schema>

export type LedgerConnection = {
  database: LedgerDatabase
  client: SqlClient
  close: () => void
  appliedMigrations: string[]
  /** The bun:sqlite connection, for a SQLite file. */
  sqlite?: Database
}

/** Where the ledger lives: a local SQLite file, or a libSQL URL (`libsql://`, `http(s)://`, `ws(s)://`). */
export type LedgerLocation = { path: string } | { url: string; authToken?: string }

/** How long a writer waits for another process's lock before failing. */
/** Opens the ledger (creating a local file if needed) and brings its schema up to date from the embedded migrations. */
export async function openLedger(location: LedgerLocation, nowMs: number, options: { writerThread?: boolean } = {}): Promise<LedgerConnection> {
  const connection = 'path' in location ? openSqlite(location.path) : openLibsql(location.url, location.authToken)
  try {
    connection.appliedMigrations = await applyMigrations(connection.client, nowMs)
    // A serving gateway writes a SQLite file from a writer thread (not an in-memory database: a second connection
    // would open a different one).
    if (options.writerThread === true && 'path' in location && connection.sqlite !== undefined && !isInMemory(location.path)) {
      connection.client = await sqliteWriterClient(connection.sqlite, location.path)
      connection.close = connection.client.close
    }
  } catch (error) {
    connection.close()
    throw error
  }
  return connection
}

const isInMemory = (path: string) => path === '' || path === ':memory:' || path.startsWith('file::memory:')

function openSqlite(path: string): LedgerConnection {
  const sqlite = new Database(path, { create: true, strict: true })
  configureSqlite(sqlite)
  const client = sqliteClient(sqlite)
  const database = drizzleSqlite({ client: sqlite, schema }) as unknown as LedgerDatabase
  return { database, client, close: client.close, appliedMigrations: [], sqlite }
}

function openLibsql(url: string, authToken: string | undefined): LedgerConnection {
  // The web entry speaks Hrana over fetch; the package root would load a native addon the compiled binary lacks.
  // `libsql://` is Turso's name for HTTPS.
  const httpUrl = url.replace(/^libsql:\/\//, 'https://')
  const libsql = createClient(authToken === undefined ? { url: httpUrl } : { url: httpUrl, authToken })
  const client = libsqlClient(libsql)
  const database = drizzleLibsql({ client: libsql, schema }) as unknown as LedgerDatabase
  return { database, client, close: client.close, appliedMigrations: [] }
}
