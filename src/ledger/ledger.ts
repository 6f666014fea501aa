import type { Usage } from '../core/usage.ts'
import type { ExactPricing } from './pricing.ts'
import { createGroupCommit } from './group-commit.ts'
import { createHoldBook } from './holds.ts'
import type { SqlClient, SqlStatement } from './sql-client.ts'

/** What is written about one metered request, beside its money. */
export type UsageRecordInput = {
  requestId: string
  keyId: string
  accountId: string
  /** The model that answered (a fallback's, when the requested model failed); billed at its price. */
  model: string
  /** The model the caller asked for. */
  requestedModel: string
  /** Upstream attempts made, across retries and fallbacks (0 when refused before dispatch). */
  attempts: number
  provider: string
  dialectIn: string
  dialectOut: string
  usage: Usage
  costMicros: number
  status: number
  outcome: string
  estimated: boolean
  partial: boolean
  durationMs: number
  /** The rates `costMicros` was computed at (the model's, discount taken off), kept for the audit. */
  pricing?: ExactPricing
  /** The upstream's own id for its answer, when it sent one. */
  upstreamRequestId?: string | null
}

export type LedgerTimings = {
  /** A reservation older than this is released whoever holds it: longer than any request may run. */
  reservationTimeoutMs: number
  /** A gateway process whose heartbeat is older than this is presumed dead, and its reservations released. */
  instanceTimeoutMs: number
  /** How often the heartbeat is written and stale reservations swept. */
  sweepIntervalMs: number
  /** Most settlements written in one group commit. */
  groupCommitEntriesMax: number
  /** How long a settlement waits for others to share its commit (0: only those of the same tick). */
  groupCommitDelayMs: number
}

/**
 * The money ledger, as the request path sees it. Every movement is an append-only entry with an id derived from the
 * request (`req_…:reserve`, `:release`, `:settle`), so a replay changes nothing; the database's triggers keep each
 * account's balance equal to the sum of its entries and refuse any debit that would take it below zero.
 */
export type Ledger = {
  instanceId: string
  /** Holds `amountMicros` for a request, or says how much is available when the balance cannot cover it. */
  reserve: (hold: { accountId: string; requestId: string; amountMicros: number }) => Promise<{ ok: true } | { ok: false; availableMicros: number }>
  /** Gives a hold back in full: the request cost nothing. The record, when given, is kept with cost 0. */
  release: (requestId: string, record?: UsageRecordInput) => Promise<void>
  /** Charges `record.costMicros` against the hold (never below zero) and releases the rest, in the next group commit. */
  settle: (record: UsageRecordInput) => Promise<void>
  /** Waits until every queued settlement is written. */
  flush: () => Promise<void>
  /** Writes queued for the next group commit. */
  queueDepth: () => number
  balance: (accountId: string) => Promise<{ balanceMicros: number; updatedAtMs: number } | undefined>
  /** Adds credit (`top-up`, or a signed `adjustment`) under a caller-chosen unique id. */
  credit: (entry: { id: string; accountId: string; kind: 'top-up' | 'adjustment'; amountMicros: number; note: string | null }) => Promise<boolean>
  /**
   * Spend in the window: settled costs since `sinceMs`, what is held now, and the account's running settled total
   * at the window's start (what `spendReachedAt` counts from). Costs the same however many requests the window holds.
   */
  windowSpend: (accountId: string, sinceMs: number) => Promise<{ settledMicros: number; heldMicros: number; baseTotalMicros: number }>
  /** When the account's running settled total first reached `totalMicros`, or undefined if it has not. */
  spendReachedAt: (accountId: string, totalMicros: number) => Promise<number | undefined>
  /** Heartbeat, then release reservations of dead processes and any older than the timeout. Returns how many. */
  sweep: () => Promise<number>
  /** Stops the sweeper and writes what is queued. */
  stop: () => Promise<void>
}

/** Creates the ledger for one gateway process over `client`. */
export function createLedger(
  client: SqlClient,
  options: { now: () => number; instanceId: string; timings: LedgerTimings; /** Each group commit's duration and size, for metrics. */ onCommit?: (durationMs: number, entries: number) => void },
): Ledger {
  const { now, instanceId, timings } = options
  const startedAtMs = now()
  const groupCommit = createGroupCommit(client, timings.groupCommitEntriesMax, timings.groupCommitDelayMs, options.onCommit)

  const holds = createHoldBook({ client, groupCommit, now, instanceId, instanceTimeoutMs: timings.instanceTimeoutMs })

  // Each set of rates is written once per process (the insert is idempotent should another process write it too).
  const pricesWritten = new Set<string>()
  const priceStatements = (record: UsageRecordInput, nowMs: number): { priceId: string | null; statements: SqlStatement[] } => {
    if (record.pricing === undefined) return { priceId: null, statements: [] }
    const priceId = priceIdOf(record.model, record.pricing)
    if (pricesWritten.has(priceId)) return { priceId, statements: [] }
    pricesWritten.add(priceId)
    return { priceId, statements: [priceStatement(priceId, record.model, record.pricing, nowMs)] }
  }

  // Releases go through the group commit too, so a release always lands after the hold it gives back.
  const release: Ledger['release'] = async (requestId, record) => {
    const nowMs = now()
    const statements = releaseStatements(requestId, 'released', nowMs)
    if (record !== undefined) {
      const price = priceStatements(record, nowMs)
      statements.push(...price.statements, usageRecordStatement({ ...record, costMicros: 0 }, null, price.priceId, nowMs))
    }
    await groupCommit.add(statements)
  }

  const sweep: Ledger['sweep'] = async () => {
    const nowMs = now()
    await client.run({
      sql: 'INSERT INTO gateway_instances (id, started_at_ms, heartbeat_at_ms) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET heartbeat_at_ms = excluded.heartbeat_at_ms',
      args: [instanceId, startedAtMs, nowMs],
    })
    const stale = await client.query<{ request_id: string }>({
      sql: `SELECT r.request_id FROM open_reservations r
            WHERE r.created_at_ms < ?
               OR (r.instance_id <> ? AND NOT EXISTS (
                    SELECT 1 FROM gateway_instances i WHERE i.id = r.instance_id AND i.heartbeat_at_ms >= ?))
            LIMIT 1000`,
      args: [nowMs - timings.reservationTimeoutMs, instanceId, nowMs - timings.instanceTimeoutMs],
    })
    for (const row of stale) await client.batch(releaseStatements(row.request_id, 'swept: holder gone or hold expired', nowMs))
    await client.run({
      sql: 'DELETE FROM gateway_instances WHERE heartbeat_at_ms < ? AND id NOT IN (SELECT instance_id FROM open_reservations)',
      args: [nowMs - timings.instanceTimeoutMs],
    })
    return stale.length
  }

  let sweeping: Promise<unknown> = Promise.resolve()
  const timer = setInterval(() => {
    // A failed sweep (database briefly unreachable) is retried on the next tick; the holds it missed stay held.
    sweeping = sweep().catch(() => 0)
  }, timings.sweepIntervalMs)
  timer.unref()

  return {
    instanceId,
    reserve: holds.reserve,
    release,
    settle: (record) => {
      const nowMs = now()
      const price = priceStatements(record, nowMs)
      return groupCommit.add([...releaseStatements(record.requestId, null, nowMs), ...price.statements, ...settleStatements(record, price.priceId, nowMs)])
    },
    flush: groupCommit.flush,
    queueDepth: groupCommit.depth,
    balance: holds.balance,
    credit: async (entry) => {
      const result = await client.run({
        sql: 'INSERT INTO ledger_entries (id, account_id, kind, amount_micros, request_id, note, created_at_ms) VALUES (?, ?, ?, ?, NULL, ?, ?) ON CONFLICT(id) DO NOTHING',
        args: [entry.id, entry.accountId, entry.kind, entry.amountMicros, entry.note, now()],
      })
      return result.rowsAffected > 0
    },
    windowSpend: async (accountId, sinceMs) => {
      // The window's settled spend is the running total now minus the total of the last mark at or before its start.
      const { rows, unwrittenMicros } = await holds.readWithUnwritten<{ total_micros: number; base_micros: number | null; held_micros: number | null }>(
        {
          sql: `SELECT a.settled_total_micros AS total_micros,
                  (SELECT m.total_micros FROM spend_marks m WHERE m.account_id = a.id AND m.at_ms <= ? ORDER BY m.at_ms DESC, m.total_micros DESC LIMIT 1) AS base_micros,
                  (SELECT SUM(r.amount_micros) FROM open_reservations r WHERE r.account_id = a.id) AS held_micros
                FROM accounts a WHERE a.id = ?`,
          args: [sinceMs, accountId],
        },
        accountId,
      )
      const row = rows[0]
      const totalMicros = Number(row?.total_micros ?? 0)
      const baseTotalMicros = Number(row?.base_micros ?? 0)
      return { settledMicros: totalMicros - baseTotalMicros, heldMicros: Number(row?.held_micros ?? 0) + unwrittenMicros, baseTotalMicros }
    },
    spendReachedAt: async (accountId, totalMicros) => {
      const [row] = await client.query<{ at_ms: number }>({
        sql: 'SELECT at_ms FROM spend_marks WHERE account_id = ? AND total_micros >= ? ORDER BY total_micros LIMIT 1',
        args: [accountId, totalMicros],
      })
      return row === undefined ? undefined : Number(row.at_ms)
    },
    sweep,
    stop: async () => {
      clearInterval(timer)
      await sweeping
      await groupCommit.flush()
    },
  }
}

/** Releases a hold in full (its entry, then the open row), once: a second release finds no open row. */
function releaseStatements(requestId: string, note: string | null, nowMs: number): SqlStatement[] {
  return [
    {
      sql: `INSERT INTO ledger_entries (id, account_id, kind, amount_micros, request_id, note, created_at_ms)
            SELECT request_id || ':release', account_id, 'release', amount_micros, request_id, ?, ?
            FROM open_reservations WHERE request_id = ? ON CONFLICT(id) DO NOTHING`,
      args: [note, nowMs, requestId],
    },
    { sql: 'DELETE FROM open_reservations WHERE request_id = ?', args: [requestId] },
  ]
}

/**
 * Charges the cost after the hold is back, capped at the balance so it never goes negative (the shortfall, if the
 * cost outran the hold, is written in the usage record as unbilled), then writes the record.
 */
function settleStatements(record: UsageRecordInput, priceId: string | null, nowMs: number): SqlStatement[] {
  const settleId = `${record.requestId}:settle`
  return [
    {
      sql: `INSERT INTO ledger_entries (id, account_id, kind, amount_micros, request_id, note, created_at_ms)
            SELECT ?, id, 'settle', -MIN(?, balance_micros), ?, NULL, ? FROM accounts WHERE id = ? ON CONFLICT(id) DO NOTHING`,
      args: [settleId, record.costMicros, record.requestId, nowMs, record.accountId],
    },
    usageRecordStatement(record, settleId, priceId, nowMs),
  ]
}

/** The id of a model's rates: `price_` and the first 20 hex digits of the SHA-256 of the model and its rates. */
export function priceIdOf(model: string, pricing: ExactPricing): string {
  const rates = [pricing.input, pricing.output, pricing.cacheWrite5m, pricing.cacheWrite1h, pricing.cacheRead].join(',')
  return `price_${new Bun.CryptoHasher('sha256').update(`${model}\u0000${rates}`).digest('hex').slice(0, 20)}`
}

function priceStatement(priceId: string, model: string, pricing: ExactPricing, nowMs: number): SqlStatement {
  return {
    sql: `INSERT INTO prices (id, model, input_pico, output_pico, cache_write_5m_pico, cache_write_1h_pico, cache_read_pico, created_at_ms)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
    args: [priceId, model, Number(pricing.input), Number(pricing.output), Number(pricing.cacheWrite5m), Number(pricing.cacheWrite1h), Number(pricing.cacheRead), nowMs],
  }
}

function usageRecordStatement(record: UsageRecordInput, settleId: string | null, priceId: string | null, nowMs: number): SqlStatement {
  const { usage } = record
  // Parameters only, so the statement text is the same for every request and bun:sqlite prepares it once.
  const unbilled = settleId === null ? '0' : 'COALESCE((SELECT ? + amount_micros FROM ledger_entries WHERE id = ?), 0)'
  return {
    sql: `INSERT INTO usage_records (request_id, key_id, account_id, model, requested_model, attempts, provider, dialect_in, dialect_out,
            input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_micros,
            unbilled_micros, status, outcome, estimated, partial, duration_ms, created_at_ms, price_id, upstream_request_id)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${unbilled}, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(request_id) DO NOTHING`,
    args: [
      record.requestId,
      record.keyId,
      record.accountId,
      record.model,
      record.requestedModel,
      record.attempts,
      record.provider,
      record.dialectIn,
      record.dialectOut,
      usage.input,
      usage.cacheRead,
      usage.cacheWrite5m,
      usage.cacheWrite1h,
      usage.output,
      usage.reasoning,
      record.costMicros,
      ...(settleId === null ? [] : [record.costMicros, settleId]),
      record.status,
      record.outcome,
      record.estimated ? 1 : 0,
      record.partial ? 1 : 0,
      record.durationMs,
      nowMs,
      priceId,
      record.upstreamRequestId ?? null,
    ],
  }
}

