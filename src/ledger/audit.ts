import { costMicros, type ExactPricing } from './pricing.ts'
import type { SqlClient } from './sql-client.ts'

/*
 * The ledger's audit: proves the books from the entries up, and says where they do not hold.
 *
 * - Every account's cached balance equals the sum of its entries, and its running settled total the sum of its
 *   settles.
 * - Every settle belongs to a usage record, and charged exactly the record's cost less what it left unbilled; a
 *   record without a settle was released and cost nothing.
 * - Every priced record's cost is its tokens at the rates it was priced at (`prices`), rounded up once: exactly for
 *   a completed request, at most that for a partial one (capped at its hold). Records from before prices were kept
 *   are counted, not checked.
 * - Every hold was given back in full exactly once, or is still open for a gateway that is alive and within the
 *   reservation timeout; no release gives back a hold that was never made.
 *
 * Reads only; usage records are walked a page at a time, so memory stays flat however long the ledger is.
 */

export type AuditProblemKind =
  | 'balance-mismatch'
  | 'settled-total-mismatch'
  | 'settle-without-usage'
  | 'settle-mismatch'
  | 'released-with-cost'
  | 'cost-mismatch'
  | 'unknown-price'
  | 'hold-not-released'
  | 'release-mismatch'
  | 'release-without-hold'
  | 'stale-hold'
  | 'open-hold-without-entry'

export type AuditProblem = { kind: AuditProblemKind; subject: string; detail: string }

export type AuditReport = {
  ok: boolean
  checkedAtMs: number
  accounts: number
  entries: number
  usageRecords: number
  /** Records whose cost was recomputed from their rates. */
  pricedRecords: number
  /** Holds open now, for live gateways (not problems). */
  openHolds: number
  problemCounts: Partial<Record<AuditProblemKind, number>>
  /** The first `problemsListedMax` problems. */
  problems: AuditProblem[]
}

export type AuditOptions = {
  nowMs: number
  /** A gateway whose heartbeat is older than this is dead, and its open holds are stale. */
  instanceTimeoutMs: number
  /** A hold older than this is stale whoever holds it. */
  reservationTimeoutMs: number
  problemsListedMax?: number
  pageSize?: number
}

type UsageRow = {
  request_id: string
  model: string
  input_tokens: number
  cache_read_tokens: number
  cache_write_5m_tokens: number
  cache_write_1h_tokens: number
  output_tokens: number
  reasoning_tokens: number
  cost_micros: number
  unbilled_micros: number
  partial: number
  price_id: string | null
  settled_micros: number | null
}

type PriceRow = { id: string; input_pico: number; output_pico: number; cache_write_5m_pico: number; cache_write_1h_pico: number; cache_read_pico: number }

export async function auditLedger(client: SqlClient, options: AuditOptions): Promise<AuditReport> {
  const listedMax = options.problemsListedMax ?? 100
  const pageSize = options.pageSize ?? 5_000
  const problems: AuditProblem[] = []
  const problemCounts: Partial<Record<AuditProblemKind, number>> = {}
  const report = (kind: AuditProblemKind, subject: string, detail: string) => {
    problemCounts[kind] = (problemCounts[kind] ?? 0) + 1
    if (problems.length < listedMax) problems.push({ kind, subject, detail })
  }
  const count = async (sql: string) => Number((await client.query<{ n: number }>({ sql, args: [] }))[0]?.n ?? 0)

  for (const row of await client.query<{ id: string; balance: number; entries: number }>({
    sql: `SELECT a.id, a.balance_micros AS balance, COALESCE((SELECT SUM(e.amount_micros) FROM ledger_entries e WHERE e.account_id = a.id), 0) AS entries
          FROM accounts a WHERE a.balance_micros <> COALESCE((SELECT SUM(e.amount_micros) FROM ledger_entries e WHERE e.account_id = a.id), 0)`,
    args: [],
  })) {
    report('balance-mismatch', row.id, `balance ${row.balance} µ$, entries sum to ${row.entries} µ$`)
  }
  for (const row of await client.query<{ id: string; total: number; settled: number }>({
    sql: `SELECT id, total, settled FROM (
            SELECT a.id, a.settled_total_micros AS total,
                   COALESCE((SELECT -SUM(e.amount_micros) FROM ledger_entries e WHERE e.account_id = a.id AND e.kind = 'settle'), 0) AS settled
            FROM accounts a) WHERE total <> settled`,
    args: [],
  })) {
    report('settled-total-mismatch', row.id, `running settled total ${row.total} µ$, settles sum to ${row.settled} µ$`)
  }
  for (const row of await client.query<{ id: string }>({
    sql: `SELECT e.id FROM ledger_entries e WHERE e.kind = 'settle' AND NOT EXISTS (SELECT 1 FROM usage_records u WHERE u.request_id = e.request_id)`,
    args: [],
  })) {
    report('settle-without-usage', row.id, 'a settle with no usage record for its request')
  }

  // Holds: each reserve released in full exactly once, unless still open; no release without its reserve.
  for (const row of await client.query<{ request_id: string; held: number; released: number | null; open: number }>({
    sql: `SELECT r.request_id, -r.amount_micros AS held, l.amount_micros AS released,
                 EXISTS (SELECT 1 FROM open_reservations o WHERE o.request_id = r.request_id) AS open
          FROM ledger_entries r LEFT JOIN ledger_entries l ON l.id = r.request_id || ':release'
          WHERE r.kind = 'reserve' AND ((l.id IS NULL AND NOT EXISTS (SELECT 1 FROM open_reservations o WHERE o.request_id = r.request_id))
                 OR (l.id IS NOT NULL AND (l.amount_micros <> -r.amount_micros OR EXISTS (SELECT 1 FROM open_reservations o WHERE o.request_id = r.request_id))))`,
    args: [],
  })) {
    if (row.released === null) report('hold-not-released', row.request_id, `a hold of ${row.held} µ$ neither released nor open`)
    else report('release-mismatch', row.request_id, `held ${row.held} µ$, released ${row.released} µ$${Number(row.open) === 1 ? ', and still open' : ''}`)
  }
  for (const row of await client.query<{ id: string }>({
    sql: `SELECT l.id FROM ledger_entries l WHERE l.kind = 'release' AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.id = l.request_id || ':reserve')`,
    args: [],
  })) {
    report('release-without-hold', row.id, 'a release of a hold that was never made')
  }
  const openHolds = await client.query<{ request_id: string; instance_id: string; created_at_ms: number; heartbeat_at_ms: number | null; has_entry: number }>({
    sql: `SELECT o.request_id, o.instance_id, o.created_at_ms, g.heartbeat_at_ms,
                 EXISTS (SELECT 1 FROM ledger_entries r WHERE r.id = o.request_id || ':reserve') AS has_entry
          FROM open_reservations o LEFT JOIN gateway_instances g ON g.id = o.instance_id`,
    args: [],
  })
  for (const hold of openHolds) {
    if (Number(hold.has_entry) !== 1) report('open-hold-without-entry', hold.request_id, 'an open hold with no reserve entry')
    const deadGateway = hold.heartbeat_at_ms === null || Number(hold.heartbeat_at_ms) < options.nowMs - options.instanceTimeoutMs
    const tooOld = Number(hold.created_at_ms) < options.nowMs - options.reservationTimeoutMs
    if (deadGateway || tooOld) {
      report('stale-hold', hold.request_id, deadGateway ? `held by ${hold.instance_id}, whose heartbeat stopped` : `open for more than ${options.reservationTimeoutMs} ms`)
    }
  }

  // Usage records against their settles and their rates, a page at a time.
  const priceCache = new Map<string, ExactPricing | null>()
  const pricingOf = async (priceId: string) => {
    if (!priceCache.has(priceId)) {
      const [row] = await client.query<PriceRow>({ sql: 'SELECT * FROM prices WHERE id = ?', args: [priceId] })
      priceCache.set(
        priceId,
        row === undefined
          ? null
          : { input: BigInt(row.input_pico), output: BigInt(row.output_pico), cacheWrite5m: BigInt(row.cache_write_5m_pico), cacheWrite1h: BigInt(row.cache_write_1h_pico), cacheRead: BigInt(row.cache_read_pico) },
      )
    }
    return priceCache.get(priceId)!
  }
  let usageRecords = 0
  let pricedRecords = 0
  let after = ''
  for (;;) {
    const page = await client.query<UsageRow>({
      sql: `SELECT u.request_id, u.model, u.input_tokens, u.cache_read_tokens, u.cache_write_5m_tokens, u.cache_write_1h_tokens, u.output_tokens,
                   u.reasoning_tokens, u.cost_micros, u.unbilled_micros, u.partial, u.price_id, -s.amount_micros AS settled_micros
            FROM usage_records u LEFT JOIN ledger_entries s ON s.id = u.request_id || ':settle'
            WHERE u.request_id > ? ORDER BY u.request_id LIMIT ?`,
      args: [after, pageSize],
    })
    for (const row of page) {
      usageRecords += 1
      const cost = Number(row.cost_micros)
      if (row.settled_micros === null) {
        if (cost !== 0) report('released-with-cost', row.request_id, `released without a settle, yet recorded a cost of ${cost} µ$`)
      } else if (Number(row.settled_micros) !== cost - Number(row.unbilled_micros)) {
        report('settle-mismatch', row.request_id, `settled ${row.settled_micros} µ$ for a cost of ${cost} µ$ with ${row.unbilled_micros} µ$ unbilled`)
      }
      if (row.price_id === null) continue
      const pricing = await pricingOf(row.price_id)
      if (pricing === null) {
        report('unknown-price', row.request_id, `priced at ${row.price_id}, which the prices table does not have`)
        continue
      }
      pricedRecords += 1
      const usage = {
        input: Number(row.input_tokens),
        cacheRead: Number(row.cache_read_tokens),
        cacheWrite5m: Number(row.cache_write_5m_tokens),
        cacheWrite1h: Number(row.cache_write_1h_tokens),
        output: Number(row.output_tokens),
        reasoning: Number(row.reasoning_tokens),
      }
      const expected = row.settled_micros === null ? 0 : costMicros(pricing, usage)
      const partial = Number(row.partial) === 1
      if (partial ? cost > expected : cost !== expected) {
        report('cost-mismatch', row.request_id, `${row.model}: recorded ${cost} µ$, its tokens at its rates cost ${expected} µ$${partial ? ' (a partial answer may cost less, never more)' : ''}`)
      }
    }
    if (page.length < pageSize) break
    after = page.at(-1)!.request_id
  }

  return {
    ok: problems.length === 0,
    checkedAtMs: options.nowMs,
    accounts: await count('SELECT COUNT(*) AS n FROM accounts'),
    entries: await count('SELECT COUNT(*) AS n FROM ledger_entries'),
    usageRecords,
    pricedRecords,
    openHolds: openHolds.length,
    problemCounts,
    problems,
  }
}
