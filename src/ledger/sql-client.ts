import type { Database } from 'bun:sqlite'
import type { Client, InValue } from '@libsql/client/web'

/** A value bound to a SQL parameter. */
export type SqlValue = string | number | bigint | null | Uint8Array
export type SqlStatement = { sql: string; args: SqlValue[] }

/**
 * The ledger's whole contract with a database: reads, writes, and atomic batches. Two implementations, bun:sqlite
 * (a local file) and libSQL over HTTP (a database several gateways share), so everything above runs the same SQL on
 * either. Atomic batches are how the ledger stays correct without interactive transactions: each money movement is
 * one batch, and the database's triggers and constraints do the checking inside it.
 */
export type SqlClient = {
  kind: 'sqlite' | 'libsql'
  query: <Row = Record<string, unknown>>(statement: SqlStatement) => Promise<Row[]>
  run: (statement: SqlStatement) => Promise<{ rowsAffected: number }>
  /** Runs every statement in order in one write transaction: all take effect, or none and the error is thrown. */
  batch: (statements: SqlStatement[]) => Promise<Array<{ rowsAffected: number }>>
  /**
   * The same, finished when they return, for a driver that works in the caller's thread (bun:sqlite): a read and the
   * bookkeeping that depends on it, or a write and its bookkeeping, happen with no other request in between.
   */
  querySync?: <Row = Record<string, unknown>>(statement: SqlStatement) => Row[]
  batchSync?: (statements: SqlStatement[]) => Array<{ rowsAffected: number }>
  close: () => void
}

/** A bun:sqlite database as a SqlClient. Statements are prepared once and cached by bun:sqlite's `query`. */
export function sqliteClient(database: Database): SqlClient {
  const querySync = <Row,>(statement: SqlStatement) => database.query(statement.sql).all(...statement.args) as Row[]
  const runSync = (statement: SqlStatement) => ({ rowsAffected: database.query(statement.sql).run(...statement.args).changes })
  const batchSync = (statements: SqlStatement[]) => {
    const apply = database.transaction(() => statements.map(runSync))
    // IMMEDIATE takes the write lock at BEGIN, so two processes never deadlock upgrading a read lock.
    return apply.immediate()
  }
  return {
    kind: 'sqlite',
    query: async <Row,>(statement: SqlStatement) => querySync<Row>(statement),
    run: async (statement) => runSync(statement),
    batch: async (statements) => batchSync(statements),
    querySync,
    batchSync,
    close: () => database.close(),
  }
}

/** A libSQL client (`@libsql/client/web`, Hrana over HTTP) as a SqlClient. */
export function libsqlClient(client: Client): SqlClient {
  const toArgs = (args: SqlValue[]) => args as InValue[]
  return {
    kind: 'libsql',
    query: async <Row,>(statement: SqlStatement) => {
      const result = await client.execute({ sql: statement.sql, args: toArgs(statement.args) })
      return result.rows.map((row) => Object.fromEntries(result.columns.map((column, index) => [column, row[index]]))) as Row[]
    },
    run: async (statement) => ({ rowsAffected: (await client.execute({ sql: statement.sql, args: toArgs(statement.args) })).rowsAffected }),
    batch: async (statements) => {
      const results = await client.batch(
        statements.map((statement) => ({ sql: statement.sql, args: toArgs(statement.args) })),
        'write',
      )
      return results.map((result) => ({ rowsAffected: result.rowsAffected }))
    },
    close: () => client.close(),
  }
}

/** A drizzle query as a statement for `SqlClient`: drizzle writes the SQL from the typed schema, the client runs it. */
export function statementOf(query: { toSQL: () => { sql: string; params: unknown[] } }): SqlStatement {
  const { sql, params } = query.toSQL()
  return { sql, args: params as SqlValue[] }
}
