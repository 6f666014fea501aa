import { desc, eq } from 'drizzle-orm'
import type { LedgerConnection } from './database.ts'
import { ledgerEntries, usageRecords } from './schema.ts'

/** Most rows one listing returns. */
export const listingRowsMax = 1_000

/** An account's ledger entries, newest first. */
export async function listEntries(ledger: LedgerConnection, accountId: string, limit = 100) {
  return ledger.database
    .select()
    .from(ledgerEntries)
    .where(eq(ledgerEntries.accountId, accountId))
    .orderBy(desc(ledgerEntries.createdAtMs), desc(ledgerEntries.id))
    .limit(Math.min(limit, listingRowsMax))
}

/** A key's usage records, newest first. */
export async function listUsage(ledger: LedgerConnection, keyId: string, limit = 100) {
  return ledger.database
    .select()
    .from(usageRecords)
    .where(eq(usageRecords.keyId, keyId))
    .orderBy(desc(usageRecords.createdAtMs), desc(usageRecords.requestId))
    .limit(Math.min(limit, listingRowsMax))
}
