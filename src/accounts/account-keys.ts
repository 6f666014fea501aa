import { and, desc, eq, isNull, sql } from 'drizzle-orm'
import type { LedgerConnection } from '../ledger/database.ts'
import { newKeyStatement, type KeyLimits } from '../ledger/keys.ts'
import { apiKeys } from '../ledger/schema.ts'
import { statementOf } from '../ledger/sql-client.ts'

/*
 * The keys of one account, as its owner manages them at /app/keys. Every change names the account as well as the
 * key, so a session can never touch another account's key whatever id it sends.
 */

/** A key as its owner's list shows it: never the key itself, only its first characters. */
export type AccountKey = {
  id: string
  name: string
  keyPrefix: string
  createdAtMs: number
  revokedAtMs: number | null
  /** When it last made a metered request, if ever. */
  lastUsedAtMs: number | null
  /** Everything it has been charged. */
  spentMicros: number
  rpm: number | null
  concurrency: number | null
  windowSpendMicros: number | null
}

/** Longest key name accepted. */
export const keyNameLengthMax = 100

/** The account's keys, active first, then newest first; with when each was last used and what it has spent. */
export async function listAccountKeys(connection: LedgerConnection, accountId: string): Promise<AccountKey[]> {
  const rows = await connection.database
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      keyPrefix: apiKeys.keyPrefix,
      createdAtMs: apiKeys.createdAtMs,
      revokedAtMs: apiKeys.revokedAtMs,
      rpm: apiKeys.rpm,
      concurrency: apiKeys.concurrency,
      windowSpendMicros: apiKeys.windowSpendMicros,
      // Both read the (key_id, created_at_ms) index of usage_records.
      lastUsedAtMs: sql<number | null>`(SELECT MAX(u.created_at_ms) FROM usage_records u WHERE u.key_id = ${apiKeys.id})`,
      spentMicros: sql<number>`(SELECT COALESCE(SUM(u.cost_micros), 0) FROM usage_records u WHERE u.key_id = ${apiKeys.id})`,
    })
    .from(apiKeys)
    .where(eq(apiKeys.accountId, accountId))
    .orderBy(sql`${apiKeys.revokedAtMs} IS NOT NULL`, desc(apiKeys.createdAtMs), desc(apiKeys.id))
  return rows.map((row) => ({ ...row, lastUsedAtMs: row.lastUsedAtMs === null ? null : Number(row.lastUsedAtMs), spentMicros: Number(row.spentMicros) }))
}

/** A new key on the account, no credit of its own (keys draw on the account). Returns the key in clear, once. */
export async function createAccountKey(connection: LedgerConnection, accountId: string, name: string, limits: KeyLimits, nowMs: number) {
  const created = newKeyStatement(connection.database, accountId, name, limits, nowMs)
  await connection.client.run(created.statement)
  return { id: created.id, key: created.key }
}

/** Renames one of the account's keys; false when the account has no such key. */
export async function renameAccountKey(connection: LedgerConnection, accountId: string, keyId: string, name: string): Promise<boolean> {
  const rows = await connection.database
    .update(apiKeys)
    .set({ name })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.accountId, accountId)))
    .returning({ id: apiKeys.id })
  return rows.length > 0
}

/** Revokes one of the account's active keys; its hash, so the gateway's key cache can drop it, or undefined. */
export async function revokeAccountKey(connection: LedgerConnection, accountId: string, keyId: string, nowMs: number): Promise<{ keyHash: string } | undefined> {
  const rows = await connection.database
    .update(apiKeys)
    .set({ revokedAtMs: nowMs })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.accountId, accountId), isNull(apiKeys.revokedAtMs)))
    .returning({ keyHash: apiKeys.keyHash })
  return rows[0]
}

/**
 * Replaces one of the account's active keys: a new key with the same name and limits, and the old one revoked, in
 * one batch. Undefined when the account has no such active key.
 */
export async function regenerateAccountKey(connection: LedgerConnection, accountId: string, keyId: string, nowMs: number) {
  const [old] = await connection.database
    .select({ name: apiKeys.name, keyHash: apiKeys.keyHash, rpm: apiKeys.rpm, concurrency: apiKeys.concurrency, windowSpendMicros: apiKeys.windowSpendMicros })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.accountId, accountId), isNull(apiKeys.revokedAtMs)))
    .limit(1)
  if (old === undefined) return undefined
  const created = newKeyStatement(connection.database, accountId, old.name, old, nowMs)
  const revoke = statementOf(
    connection.database
      .update(apiKeys)
      .set({ revokedAtMs: nowMs })
      .where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAtMs))),
  )
  const [revoked] = await connection.client.batch([revoke, created.statement])
  // Revoked meanwhile by another request: the new key stands, as if made by "create".
  return { id: created.id, key: created.key, name: old.name, revokedKeyHash: revoked!.rowsAffected > 0 ? old.keyHash : undefined }
}

/** The hashes of every key of the account, for dropping them from the gateway's key cache after an account change. */
export async function accountKeyHashes(connection: LedgerConnection, accountId: string): Promise<string[]> {
  const rows = await connection.database.select({ keyHash: apiKeys.keyHash }).from(apiKeys).where(eq(apiKeys.accountId, accountId))
  return rows.map((row) => row.keyHash)
}
