import type { createGroupCommit } from './group-commit.ts'
import type { SqlClient, SqlStatement } from './sql-client.ts'

export type HoldRequest = { accountId: string; requestId: string; amountMicros: number }
export type HoldResult = { ok: true } | { ok: false; availableMicros: number }

const insufficientCredit = 'anvat: insufficient credit'

type HoldBookOptions = {
  client: SqlClient
  groupCommit: ReturnType<typeof createGroupCommit>
  now: () => number
  instanceId: string
  /** A gateway whose heartbeat is older than this no longer shares the file. */
  instanceTimeoutMs: number
}

type BalanceRow = { balance_micros: number; updated_at_ms: number }

/**
 * The ledger's holds, and the holds this process has decided but not yet written ("unwritten"): every balance this
 * process reads has them taken off, and every window's held spend has them added, until their commit lands.
 */
export function createHoldBook({ client, groupCommit, now, instanceId, instanceTimeoutMs }: HoldBookOptions) {
  const unwrittenByAccount = new Map<string, number>()
  const unwrittenIds = new Set<string>()
  const unwrittenOf = (accountId: string) => unwrittenByAccount.get(accountId) ?? 0
  const addUnwritten = (accountId: string, micros: number) => {
    const next = unwrittenOf(accountId) + micros
    if (next === 0) unwrittenByAccount.delete(accountId)
    else unwrittenByAccount.set(accountId, next)
  }
  const balanceOf = (row: BalanceRow | undefined, unwrittenMicros: number) =>
    row === undefined ? undefined : { balanceMicros: Number(row.balance_micros) - unwrittenMicros, updatedAtMs: Number(row.updated_at_ms) }

  /**
   * Reads rows and the unwritten holds together, in one tick when the driver reads synchronously. With writes on a
   * writer thread, a hold committed there but not yet answered is counted twice for that moment, never not at all:
   * a reader errs towards refusing, never towards holding more than the balance.
   */
  const readWithUnwritten = async <Row,>(statement: SqlStatement, accountId: string): Promise<{ rows: Row[]; unwrittenMicros: number }> => {
    if (client.querySync !== undefined) return { rows: client.querySync<Row>(statement), unwrittenMicros: unwrittenOf(accountId) }
    const rows = await client.query<Row>(statement)
    return { rows, unwrittenMicros: unwrittenOf(accountId) }
  }

  const balance = async (accountId: string) => {
    const { rows, unwrittenMicros } = await readWithUnwritten<BalanceRow>({ sql: 'SELECT balance_micros, updated_at_ms FROM accounts WHERE id = ?', args: [accountId] }, accountId)
    return balanceOf(rows[0], unwrittenMicros)
  }

  const reserveStatements = (hold: HoldRequest, nowMs: number): SqlStatement[] => [
    {
      sql: "INSERT INTO ledger_entries (id, account_id, kind, amount_micros, request_id, note, created_at_ms) VALUES (?, ?, 'reserve', ?, ?, NULL, ?)",
      args: [`${hold.requestId}:reserve`, hold.accountId, -hold.amountMicros, hold.requestId, nowMs],
    },
    {
      sql: 'INSERT INTO open_reservations (request_id, account_id, amount_micros, instance_id, created_at_ms) VALUES (?, ?, ?, ?, ?)',
      args: [hold.requestId, hold.accountId, hold.amountMicros, instanceId, nowMs],
    },
  ]

  /**
   * A hold on a local SQLite file (reads in this thread) while no other gateway process shares it: decided in
   * memory against the balance as written minus this process's unwritten holds, in one tick so no other request can
   * slip in between, then written with the next group commit instead of a commit of its own on the request's path. A
   * crash before that commit loses only the hold (the request was never billed either). Undefined when another live
   * gateway shares the file: then the hold is written before the request goes on.
   */
  const reserveWriteBehind = (hold: HoldRequest, querySync: NonNullable<SqlClient['querySync']>): HoldResult | undefined => {
    const nowMs = now()
    const entryId = `${hold.requestId}:reserve`
    // One read: the balance, whether this request already has a hold, and whether another live gateway shares the file.
    const [row] = querySync<BalanceRow & { held: number; shared: number }>({
      sql: `SELECT balance_micros, updated_at_ms,
              EXISTS (SELECT 1 FROM ledger_entries WHERE id = ?) AS held,
              EXISTS (SELECT 1 FROM gateway_instances WHERE id <> ? AND heartbeat_at_ms >= ?) AS shared
            FROM accounts WHERE id = ?`,
      args: [entryId, instanceId, nowMs - instanceTimeoutMs, hold.accountId],
    })
    if (row === undefined) return { ok: false, availableMicros: 0 }
    if (Number(row.shared) === 1) return undefined
    if (unwrittenIds.has(entryId) || Number(row.held) === 1) throw new Error(`anvat: a hold for ${hold.requestId} already exists`)
    const availableMicros = balanceOf(row, unwrittenOf(hold.accountId))!.balanceMicros
    if (availableMicros < hold.amountMicros) return { ok: false, availableMicros: Math.max(0, availableMicros) }
    addUnwritten(hold.accountId, hold.amountMicros)
    unwrittenIds.add(entryId)
    // Uncounted once: when its commit lands, or when the database refuses it (a gateway that started sharing the file
    // spent the balance first). A refused hold leaves the request unbacked: its settle is capped at the balance, as
    // any cost that outruns its hold is, and the shortfall is recorded as unbilled.
    const uncount = () => {
      if (unwrittenIds.delete(entryId)) addUnwritten(hold.accountId, -hold.amountMicros)
    }
    groupCommit.add(reserveStatements(hold, nowMs), { retry: false, onWritten: uncount }).catch(uncount)
    return { ok: true }
  }

  /** A hold written before the request goes on (libSQL, or a SQLite file another live gateway shares). */
  const reserveNow = async (hold: HoldRequest): Promise<HoldResult> => {
    // Holds this process has not written yet are invisible to the database's check: write them first.
    if (unwrittenOf(hold.accountId) > 0) await groupCommit.flush()
    try {
      await client.batch(reserveStatements(hold, now()))
      return { ok: true }
    } catch (error) {
      if (!String((error as Error).message).includes(insufficientCredit)) throw error
      return { ok: false, availableMicros: (await balance(hold.accountId))?.balanceMicros ?? 0 }
    }
  }

  return {
    reserve: async (hold: HoldRequest): Promise<HoldResult> => {
      const decided = client.querySync === undefined ? undefined : reserveWriteBehind(hold, client.querySync)
      return decided ?? reserveNow(hold)
    },
    balance,
    readWithUnwritten,
  }
}
