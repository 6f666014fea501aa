import { closeConnection, describeStatement, executeSequence, executeStatement, type HranaConnection } from './statement.ts'
import type { HranaBatch, HranaBatchCondition, HranaBatchResult, HranaStreamRequest, HranaStreamResult } from './wire.ts'

/*
 * One Hrana stream: a SQLite connection plus the SQL texts stored on it. The server hands it from one pipeline
 * request to the next through batons, so a transaction opened in one HTTP request continues in the next.
 * @see https://github.com/tursodatabase/libsql/blob/main/docs/HRANA_3_SPEC.md#hrana-over-http
 */

export type HranaStream = {
  connection: HranaConnection
  /** SQL texts from `store_sql`; over HTTP their scope is the stream. */
  sqlTexts: Map<number, string>
  /** Set when the stream is closed, by `close` or by expiry; pending requests then fail. */
  closed: boolean
  idleTimer: ReturnType<typeof setTimeout> | undefined
}

/** 2 for `/v2/pipeline`, 3 for `/v3/pipeline`; a few requests and conditions exist only in version 3. */
export type HranaVersion = 2 | 3

type StepOutcome = 'ok' | 'error' | 'skipped'

// sqld's limits for stored SQL texts (libsql-server/src/hrana/http/request.rs).
const sqlTextsMax = 50
const sqlTextBytesMax = 5_000

const protocolViolationName = 'HranaProtocolViolation'

/**
 * A request no correct client sends. sqld answers the whole HTTP request with 400 and drops the stream, so the
 * server throws this out of the pipeline instead of returning an error result.
 */
export function protocolViolation(message: string): Error {
  const error = new Error(message)
  error.name = protocolViolationName
  return error
}

export function isProtocolViolation(error: unknown): error is Error {
  return error instanceof Error && error.name === protocolViolationName
}

export function createStream(connection: HranaConnection): HranaStream {
  return { connection, sqlTexts: new Map(), closed: false, idleTimer: undefined }
}

/** Closes the stream's connection, which rolls back a transaction left open. Safe to call twice. */
export function closeStream(stream: HranaStream): void {
  stream.closed = true
  clearTimeout(stream.idleTimer)
  closeConnection(stream.connection)
}

/** Runs one request of a pipeline. SQL errors become error results; protocol violations are thrown. */
export async function handleStreamRequest(stream: HranaStream, request: HranaStreamRequest, version: HranaVersion): Promise<HranaStreamResult> {
  if (stream.closed) throw protocolViolation('The stream has already been closed')
  switch (request.type) {
    case 'close':
      closeStream(stream)
      return { type: 'ok', response: { type: 'close' } }
    case 'execute': {
      const sql = resolveSql(stream, request.stmt.sql, request.stmt.sql_id)
      const outcome = await executeStatement(stream.connection, sql, request.stmt)
      return outcome.kind === 'ok' ? { type: 'ok', response: { type: 'execute', result: outcome.result } } : { type: 'error', error: outcome.error }
    }
    case 'batch':
      return { type: 'ok', response: { type: 'batch', result: await executeBatch(stream, request.batch, version) } }
    case 'sequence': {
      const error = await executeSequence(stream.connection, resolveSql(stream, request.sql, request.sql_id))
      return error === undefined ? { type: 'ok', response: { type: 'sequence' } } : { type: 'error', error }
    }
    case 'describe': {
      const outcome = describeStatement(stream.connection, resolveSql(stream, request.sql, request.sql_id))
      return outcome.kind === 'ok' ? { type: 'ok', response: { type: 'describe', result: outcome.result } } : { type: 'error', error: outcome.error }
    }
    case 'store_sql':
      return storeSql(stream, request.sql_id, request.sql)
    case 'close_sql':
      stream.sqlTexts.delete(request.sql_id)
      return { type: 'ok', response: { type: 'close_sql' } }
    case 'get_autocommit':
      if (version < 3) throw protocolViolation('The `get_autocommit` request requires Hrana 3')
      return { type: 'ok', response: { type: 'get_autocommit', is_autocommit: !stream.connection.database.inTransaction } }
  }
}

function storeSql(stream: HranaStream, sqlId: number, sql: string): HranaStreamResult {
  if (stream.sqlTexts.has(sqlId)) throw protocolViolation(`SQL text with id ${sqlId} already exists`)
  if (stream.sqlTexts.size >= sqlTextsMax) {
    return { type: 'error', error: { message: `The server already stores ${sqlTextsMax} SQL texts, it cannot store more`, code: 'SQL_STORE_TOO_MANY' } }
  }
  const sizeBytes = Buffer.byteLength(sql)
  if (sizeBytes > sqlTextBytesMax) {
    return { type: 'error', error: { message: `The statement is too large to be stored: ${sizeBytes} bytes`, code: 'SQL_STORE_TOO_LARGE' } }
  }
  stream.sqlTexts.set(sqlId, sql)
  return { type: 'ok', response: { type: 'store_sql' } }
}

/** Exactly one of `sql` and `sql_id` names the text; a missing id is a protocol error, as in sqld. */
function resolveSql(stream: HranaStream, sql: string | null | undefined, sqlId: number | null | undefined): string {
  const hasSql = sql !== undefined && sql !== null
  const hasSqlId = sqlId !== undefined && sqlId !== null
  if (hasSql && hasSqlId) throw protocolViolation('Both `sql` and `sql_id` were given')
  if (hasSql) return sql
  if (!hasSqlId) throw protocolViolation('Neither `sql` nor `sql_id` was given')
  const stored = stream.sqlTexts.get(sqlId)
  if (stored === undefined) throw protocolViolation(`SQL text with id ${sqlId} was not found`)
  return stored
}

/**
 * Runs the steps in order, each only if its condition holds. The libSQL client builds transactions from this:
 * BEGIN, each statement on the previous one's `ok`, COMMIT, then ROLLBACK on `not ok` of the COMMIT.
 */
async function executeBatch(stream: HranaStream, batch: HranaBatch, version: HranaVersion): Promise<HranaBatchResult> {
  // Everything is checked before the first step runs, because sqld compiles the whole batch first.
  const sqls = batch.steps.map((step, stepIndex) => {
    if (step.condition) checkCondition(step.condition, stepIndex, version)
    return resolveSql(stream, step.stmt.sql, step.stmt.sql_id)
  })
  const outcomes: StepOutcome[] = []
  const result: HranaBatchResult = { step_results: [], step_errors: [] }
  for (const [stepIndex, step] of batch.steps.entries()) {
    if (step.condition && !conditionHolds(step.condition, outcomes, stream)) {
      outcomes.push('skipped')
      result.step_results.push(null)
      result.step_errors.push(null)
      continue
    }
    const outcome = await executeStatement(stream.connection, sqls[stepIndex] as string, step.stmt)
    outcomes.push(outcome.kind)
    result.step_results.push(outcome.kind === 'ok' ? outcome.result : null)
    result.step_errors.push(outcome.kind === 'error' ? outcome.error : null)
  }
  return result
}

/** A condition may only look back at earlier steps, and `is_autocommit` needs Hrana 3. */
function checkCondition(condition: HranaBatchCondition, stepIndex: number, version: HranaVersion): void {
  switch (condition.type) {
    case 'ok':
    case 'error':
      if (condition.step >= stepIndex) throw protocolViolation(`Batch condition refers to step ${condition.step}, which is not before step ${stepIndex}`)
      return
    case 'not':
      return checkCondition(condition.cond, stepIndex, version)
    case 'and':
    case 'or':
      return condition.conds.forEach((inner) => checkCondition(inner, stepIndex, version))
    case 'is_autocommit':
      if (version < 3) throw protocolViolation('The `is_autocommit` batch condition requires Hrana 3')
  }
}

function conditionHolds(condition: HranaBatchCondition, outcomes: StepOutcome[], stream: HranaStream): boolean {
  switch (condition.type) {
    case 'ok':
      return outcomes[condition.step] === 'ok'
    case 'error':
      return outcomes[condition.step] === 'error'
    case 'not':
      return !conditionHolds(condition.cond, outcomes, stream)
    case 'and':
      return condition.conds.every((inner) => conditionHolds(inner, outcomes, stream))
    case 'or':
      return condition.conds.some((inner) => conditionHolds(inner, outcomes, stream))
    case 'is_autocommit':
      return !stream.connection.database.inTransaction
  }
}
