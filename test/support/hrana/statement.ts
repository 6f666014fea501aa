import { Database, SQLiteError, type Statement } from 'bun:sqlite'
import { splitAtSemicolons, type SqlPiece } from './sql-text.ts'
import {
  decodeHranaValue,
  encodeHranaValue,
  type HranaDescribeResult,
  type HranaError,
  type HranaStatement,
  type HranaStatementResult,
  type SqliteValue,
} from './wire.ts'

/**
 * sqld reports SQLite's primary result code (`SQLITE_CONSTRAINT`); `extended` reports bun:sqlite's extended one
 * (`SQLITE_CONSTRAINT_UNIQUE`), as some newer Turso servers do.
 */
export type ErrorCodeStyle = 'primary' | 'extended'

/** One SQLite connection: a Hrana stream owns exactly one, so two streams behave like two sqld connections. */
export type HranaConnection = {
  database: Database
  /** Prepared once, read around every statement to learn what it changed. */
  counters: Statement<unknown, []>
  errorCodeStyle: ErrorCodeStyle
  busyTimeoutMs: number
  /** Inside a `BEGIN TRANSACTION READONLY`, which runs as a deferred transaction with `query_only` on. */
  readonlyTransaction: boolean
  closed: boolean
}

export type StatementOutcome = { kind: 'ok'; result: HranaStatementResult } | { kind: 'error'; error: HranaError }

type SqliteBinding = SqliteValue | Record<string, SqliteValue>
type Attempt =
  | { kind: 'ok'; result: HranaStatementResult; nextIndex: number }
  | { kind: 'none' }
  | { kind: 'error'; error: HranaError; busy: boolean }

const busyRetryDelayMsMax = 25
/** libSQL's own syntax, sent by the client for `transaction('read')` and `batch(…, 'read')`; SQLite rejects it. */
const beginReadonlyPattern = /^\s*BEGIN\s+(TRANSACTION\s+)?READONLY\s*;?\s*$/i

/** Opens a connection that returns integers as bigints and refuses a missing named parameter. */
export function openConnection(databasePath: string, errorCodeStyle: ErrorCodeStyle, busyTimeoutMs: number): HranaConnection {
  const database = new Database(databasePath, { safeIntegers: true, strict: true })
  // The wait for a lock happens in `withBusyRetry`, between event-loop turns. SQLite's own busy handler would sleep
  // inside a synchronous call and freeze the whole server, including the request that would release the lock.
  database.run('PRAGMA busy_timeout = 0')
  const counters = database.prepare<unknown, []>('SELECT total_changes(), changes(), last_insert_rowid()')
  return { database, counters, errorCodeStyle, busyTimeoutMs, readonlyTransaction: false, closed: false }
}

/** Closing a SQLite connection rolls back its open transaction; every statement is finalized by then. */
export function closeConnection(connection: HranaConnection): void {
  if (connection.closed) return
  connection.closed = true
  connection.counters.finalize()
  connection.database.close()
}

/** Runs the one statement in `sql`, as sqld's `execute` does: zero or several statements are errors. */
export function executeStatement(connection: HranaConnection, sql: string, statement: HranaStatement): Promise<StatementOutcome> {
  const args = statement.args ?? []
  const namedArgs = statement.named_args ?? []
  if (args.length > 0 && namedArgs.length > 0) {
    const message = 'Specifying both positional and named arguments is not supported'
    return Promise.resolve({ kind: 'error', error: { message, code: 'ARGS_BOTH_POSITIONAL_AND_NAMED' } })
  }
  const bindings: SqliteBinding[] =
    namedArgs.length > 0
      ? [Object.fromEntries(namedArgs.map((namedArg) => [namedArg.name, decodeHranaValue(namedArg.value)]))]
      : args.map(decodeHranaValue)
  const beginsReadonly = beginReadonlyPattern.test(sql)
  const pieces = splitAtSemicolons(beginsReadonly ? 'BEGIN DEFERRED' : sql)
  const wantRows = statement.want_rows ?? true
  return withBusyRetry(connection, () => attemptStatement(connection, pieces, 0, bindings, wantRows, true)).then((attempt) => {
    trackReadonlyTransaction(connection, beginsReadonly && attempt.kind === 'ok')
    if (attempt.kind === 'none') return { kind: 'error', error: { message: 'SQL string does not contain any statement', code: 'SQL_NO_STATEMENT' } }
    return attempt.kind === 'ok' ? { kind: 'ok', result: attempt.result } : { kind: 'error', error: attempt.error }
  })
}

/** Turns `query_only` on when a read-only transaction begins, and off once the connection is back in autocommit. */
function trackReadonlyTransaction(connection: HranaConnection, began: boolean): void {
  if (began) {
    connection.database.run('PRAGMA query_only = ON')
    connection.readonlyTransaction = true
  } else if (connection.readonlyTransaction && !connection.database.inTransaction) {
    connection.database.run('PRAGMA query_only = OFF')
    connection.readonlyTransaction = false
  }
}

/** Runs every statement in `sql` in order, stopping at the first error, which it returns. */
export async function executeSequence(connection: HranaConnection, sql: string): Promise<HranaError | undefined> {
  const pieces = splitAtSemicolons(sql)
  let startIndex = 0
  for (;;) {
    const attempt = await withBusyRetry(connection, () => attemptStatement(connection, pieces, startIndex, [], false, false))
    trackReadonlyTransaction(connection, false)
    if (attempt.kind === 'none') return undefined
    if (attempt.kind === 'error') return attempt.error
    startIndex = attempt.nextIndex
  }
}

/** Compiles without running. Parameter names are not exposed by bun:sqlite, so every name is `null`. */
export function describeStatement(connection: HranaConnection, sql: string): { kind: 'ok'; result: HranaDescribeResult } | { kind: 'error'; error: HranaError } {
  let prepared: { statement: Statement; text: string; nextIndex: number } | undefined
  try {
    prepared = prepareNext(connection.database, splitAtSemicolons(sql), 0)
  } catch (error) {
    return { kind: 'error', error: sqliteFailure(connection, error, 'prepare').error }
  }
  if (prepared === undefined) return { kind: 'error', error: { message: 'SQL string does not contain any statement', code: 'SQL_NO_STATEMENT' } }
  const { statement, text } = prepared
  try {
    const declaredTypes = statement.declaredTypes
    return {
      kind: 'ok',
      result: {
        params: Array.from({ length: statement.paramsCount }, () => ({ name: null })),
        cols: statement.columnNames.map((name, index) => ({ name, decltype: declaredTypes[index] ?? null })),
        is_explain: /^(\s|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*explain\b/i.test(text),
        is_readonly: statement.readonly,
      },
    }
  } finally {
    statement.finalize()
  }
}

/**
 * Retries a statement that met another connection's lock until `busyTimeoutMs` has passed, as SQLite's busy handler
 * would. A retry is safe because a statement refused with SQLITE_BUSY has done nothing; it is not retried when SQLite
 * rolled the transaction back, nor on SQLITE_BUSY_SNAPSHOT, which no amount of waiting fixes.
 */
async function withBusyRetry(connection: HranaConnection, attempt: () => Attempt): Promise<Attempt> {
  const deadlineMs = Date.now() + connection.busyTimeoutMs
  for (let retry = 0; ; retry += 1) {
    if (connection.closed) throw new Error('The stream was closed while its statement waited for a lock')
    const inTransactionBefore = connection.database.inTransaction
    const outcome = attempt()
    const retryable = outcome.kind === 'error' && outcome.busy && connection.database.inTransaction === inTransactionBefore
    if (!retryable || Date.now() >= deadlineMs) return outcome
    await Bun.sleep(Math.min(2 ** retry, busyRetryDelayMsMax))
  }
}

/** Prepares the statement starting at `startIndex` and runs it; `requireLast` refuses text after it. */
function attemptStatement(
  connection: HranaConnection,
  pieces: SqlPiece[],
  startIndex: number,
  bindings: SqliteBinding[],
  wantRows: boolean,
  requireLast: boolean,
): Attempt {
  let prepared: { statement: Statement<unknown, SqliteBinding[]>; nextIndex: number } | undefined
  try {
    prepared = prepareNext(connection.database, pieces, startIndex)
  } catch (error) {
    return sqliteFailure(connection, error, 'prepare')
  }
  if (prepared === undefined) return { kind: 'none' }
  const { statement, nextIndex } = prepared
  try {
    if (requireLast && pieces.slice(nextIndex).some((piece) => piece.hasTokens)) {
      return { kind: 'error', error: { message: 'SQL string contains more than one statement', code: 'SQL_MANY_STATEMENTS' }, busy: false }
    }
    return { kind: 'ok', result: runPrepared(connection, statement, bindings, wantRows), nextIndex }
  } catch (error) {
    return sqliteFailure(connection, error, 'execute')
  } finally {
    statement.finalize()
  }
}

/**
 * Prepares the first statement at or after `startIndex`, joining pieces while SQLite calls the text incomplete (a
 * semicolon inside a trigger body). Returns `undefined` when only blanks and comments are left.
 */
function prepareNext(database: Database, pieces: SqlPiece[], startIndex: number) {
  let index = startIndex
  while (index < pieces.length && !pieces[index]?.hasTokens) index += 1
  const first = pieces[index]
  if (first === undefined) return undefined
  let text = first.text
  for (;;) {
    try {
      return { statement: database.prepare<unknown, SqliteBinding[]>(text), text, nextIndex: index + 1 }
    } catch (error) {
      const following = pieces[index + 1]
      if (!(error instanceof SQLiteError && error.message === 'incomplete input') || following === undefined) throw error
      index += 1
      text += `;${following.text}`
    }
  }
}

function runPrepared(
  connection: HranaConnection,
  statement: Statement<unknown, SqliteBinding[]>,
  bindings: SqliteBinding[],
  wantRows: boolean,
): HranaStatementResult {
  const startedMs = performance.now()
  const [totalChangesBefore] = readCounters(connection)
  const rows = statement.values(...bindings)
  const [totalChangesAfter, changes, lastInsertRowid] = readCounters(connection)
  // changes() keeps the count of the last INSERT, UPDATE or DELETE, so a SELECT or CREATE would repeat it.
  const affectedRowCount = totalChangesAfter === totalChangesBefore ? 0 : Number(changes)
  const declaredTypes = statement.declaredTypes
  return {
    cols: statement.columnNames.map((name, index) => ({ name, decltype: declaredTypes[index] ?? null })),
    rows: wantRows ? rows.map((row) => row.map(encodeHranaValue)) : [],
    affected_row_count: affectedRowCount,
    last_insert_rowid: String(lastInsertRowid),
    // SQLite does not count rows it scans; the rows returned are the honest lower bound.
    rows_read: rows.length,
    rows_written: affectedRowCount,
    query_duration_ms: performance.now() - startedMs,
  }
}

function readCounters(connection: HranaConnection): [bigint, bigint, bigint] {
  const [row] = connection.counters.values()
  // The connection has safeIntegers on, so SQLite's integers arrive as bigints.
  const [totalChanges, changes, lastInsertRowid] = (row ?? []).map((value) => (typeof value === 'bigint' ? value : 0n))
  return [totalChanges ?? 0n, changes ?? 0n, lastInsertRowid ?? 0n]
}

/**
 * Maps a thrown error to sqld's vocabulary. bun:sqlite throws plain errors (not SQLiteError) when the arguments do
 * not fit the parameters; any other plain error is a bug in this server and is rethrown.
 */
function sqliteFailure(connection: HranaConnection, error: unknown, phase: 'prepare' | 'execute'): { kind: 'error'; error: HranaError; busy: boolean } {
  if (error instanceof SQLiteError) {
    const code = error.code ?? 'SQLITE_ERROR'
    const busy = code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_RECOVERY'
    if (phase === 'prepare' && error.byteOffset >= 0) {
      const parse = /syntax error/.test(error.message)
      return {
        kind: 'error',
        error: parse
          ? { message: `SQL string could not be parsed: ${error.message}`, code: 'SQL_PARSE_ERROR' }
          : { message: `SQL input error: ${error.message} (at offset ${error.byteOffset})`, code: 'SQL_INPUT_ERROR' },
        busy,
      }
    }
    const reported = connection.errorCodeStyle === 'extended' ? code : code.split('_').slice(0, 2).join('_')
    return { kind: 'error', error: { message: `SQLite error: ${error.message}`, code: reported }, busy }
  }
  if (phase === 'execute' && error instanceof Error) {
    return { kind: 'error', error: { message: `Arguments do not match SQL parameters: ${error.message}`, code: 'ARGS_INVALID' }, busy: false }
  }
  throw error
}
