import { and, desc, eq, gte, notInArray, sql } from 'drizzle-orm'
import type { LedgerConnection } from '../ledger/database.ts'
import { apiKeys, ledgerEntries, usageRecords } from '../ledger/schema.ts'

/*
 * What /app/billing reads about one account: its ledger entries and its requests' usage, a page at a time (newest
 * first), and its spend by day and model. Every query is bounded by the account's own index.
 */

/** A page of rows and whether an older page follows. */
export type Paged<Row> = { rows: Row[]; hasMore: boolean }

/** Holds and their releases are bookkeeping of requests in flight; the account's history shows what moved money. */
const hiddenEntryKinds = ['reserve', 'release'] as const

export async function ledgerEntryPage(connection: LedgerConnection, accountId: string, page: number, pageSize: number) {
  const rows = await connection.database
    .select({ id: ledgerEntries.id, kind: ledgerEntries.kind, amountMicros: ledgerEntries.amountMicros, requestId: ledgerEntries.requestId, note: ledgerEntries.note, createdAtMs: ledgerEntries.createdAtMs })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.accountId, accountId), notInArray(ledgerEntries.kind, [...hiddenEntryKinds])))
    .orderBy(desc(ledgerEntries.createdAtMs), desc(ledgerEntries.id))
    .limit(pageSize + 1)
    .offset(page * pageSize)
  return { rows: rows.slice(0, pageSize), hasMore: rows.length > pageSize }
}

export async function usagePage(connection: LedgerConnection, accountId: string, page: number, pageSize: number) {
  const rows = await connection.database
    .select({
      requestId: usageRecords.requestId,
      keyName: apiKeys.name,
      model: usageRecords.model,
      inputTokens: usageRecords.inputTokens,
      cacheReadTokens: usageRecords.cacheReadTokens,
      cacheWriteTokens: sql<number>`${usageRecords.cacheWrite5mTokens} + ${usageRecords.cacheWrite1hTokens}`,
      outputTokens: usageRecords.outputTokens,
      costMicros: usageRecords.costMicros,
      status: usageRecords.status,
      outcome: usageRecords.outcome,
      createdAtMs: usageRecords.createdAtMs,
    })
    .from(usageRecords)
    .leftJoin(apiKeys, eq(apiKeys.id, usageRecords.keyId))
    .where(eq(usageRecords.accountId, accountId))
    .orderBy(desc(usageRecords.createdAtMs), desc(usageRecords.requestId))
    .limit(pageSize + 1)
    .offset(page * pageSize)
  return { rows: rows.slice(0, pageSize).map((row) => ({ ...row, cacheWriteTokens: Number(row.cacheWriteTokens) })), hasMore: rows.length > pageSize }
}

/** Spend since `sinceMs` by UTC day (`YYYY-MM-DD`) and model, for the chart. */
export async function spendByDayAndModel(connection: LedgerConnection, accountId: string, sinceMs: number) {
  const day = sql<string>`strftime('%Y-%m-%d', ${usageRecords.createdAtMs} / 1000, 'unixepoch')`
  const rows = await connection.database
    .select({ day, model: usageRecords.model, costMicros: sql<number>`SUM(${usageRecords.costMicros})`, requests: sql<number>`COUNT(*)` })
    .from(usageRecords)
    .where(and(eq(usageRecords.accountId, accountId), gte(usageRecords.createdAtMs, sinceMs)))
    .groupBy(day, usageRecords.model)
  return rows.map((row) => ({ day: row.day, model: row.model, costMicros: Number(row.costMicros), requests: Number(row.requests) }))
}
