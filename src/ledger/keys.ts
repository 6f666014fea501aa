import { and, desc, eq, isNull } from 'drizzle-orm'
import { fail } from '../core/error.ts'
import { randomBase62 } from '../core/ids.ts'
import { formatMicrosAsUsd } from '../core/money.ts'
import { generateApiKey, hashApiKey, visiblePrefix } from './api-key.ts'
import type { LedgerConnection } from './database.ts'
import { accounts, apiKeys, ledgerEntries } from './schema.ts'
import { statementOf } from './sql-client.ts'

/** What the gateway knows about an authenticated key. */
export type ApiKeyRecord = {
  id: string
  accountId: string
  name: string
  keyPrefix: string
  revokedAtMs: number | null
  rpm: number | null
  concurrency: number | null
  windowSpendMicros: number | null
  /** The account's plan, if it has one of its own; else the config's default plan applies. */
  planId: string | null
}

export type NewKey = {
  name: string
  creditMicros: number
  rpm?: number | null
  concurrency?: number | null
  windowSpendMicros?: number | null
}

const keyColumns = {
  id: apiKeys.id,
  accountId: apiKeys.accountId,
  name: apiKeys.name,
  keyPrefix: apiKeys.keyPrefix,
  revokedAtMs: apiKeys.revokedAtMs,
  rpm: apiKeys.rpm,
  concurrency: apiKeys.concurrency,
  windowSpendMicros: apiKeys.windowSpendMicros,
  planId: accounts.planId,
}

/** What a key may do on its own, beyond its plan: each null means the plan's value (or none). */
export type KeyLimits = { rpm?: number | null; concurrency?: number | null; windowSpendMicros?: number | null }

/** A fresh key for `accountId`: its id, the key in clear (shown once) and the statement that stores its hash. */
export function newKeyStatement(database: LedgerConnection['database'], accountId: string, name: string, limits: KeyLimits, nowMs: number) {
  const key = generateApiKey()
  const id = `key_${randomBase62(16)}`
  const statement = statementOf(
    database.insert(apiKeys).values({
      id,
      accountId,
      name,
      keyHash: hashApiKey(key),
      keyPrefix: visiblePrefix(key),
      createdAtMs: nowMs,
      rpm: limits.rpm ?? null,
      concurrency: limits.concurrency ?? null,
      windowSpendMicros: limits.windowSpendMicros ?? null,
    }),
  )
  return { id, key, statement }
}

/** The statement that creates an empty account; its balance comes from the entries that follow. */
export function newAccountStatement(database: LedgerConnection['database'], accountId: string, name: string, nowMs: number) {
  return statementOf(database.insert(accounts).values({ id: accountId, name, balanceMicros: 0, createdAtMs: nowMs, updatedAtMs: nowMs }))
}

/**
 * Creates an account, its key and the opening grant in one atomic batch; the grant entry sets the balance (through
 * the ledger trigger). Returns the key in clear, once.
 */
export async function createKey(ledger: LedgerConnection, input: NewKey, nowMs: number): Promise<{ id: string; key: string; accountId: string }> {
  if (!Number.isSafeInteger(input.creditMicros) || input.creditMicros < 0) {
    fail('caller_invalid_request', `Credit must be a non-negative whole number of micro-USD, got ${input.creditMicros}.`)
  }
  const accountId = `acct_${randomBase62(16)}`
  const { database } = ledger
  const created = newKeyStatement(database, accountId, input.name, input, nowMs)
  await ledger.client.batch([
    newAccountStatement(database, accountId, input.name, nowMs),
    created.statement,
    statementOf(
      database
        .insert(ledgerEntries)
        .values({ id: `${created.id}:grant`, accountId, kind: 'grant', amountMicros: input.creditMicros, note: 'opening grant', createdAtMs: nowMs }),
    ),
  ])
  return { id: created.id, key: created.key, accountId }
}

/** The key whose hash this is, revoked or not. */
export async function findKeyByHash(ledger: LedgerConnection, keyHash: string): Promise<ApiKeyRecord | undefined> {
  const rows = await ledger.database.select(keyColumns).from(apiKeys).innerJoin(accounts, eq(accounts.id, apiKeys.accountId)).where(eq(apiKeys.keyHash, keyHash)).limit(1)
  return rows[0]
}

/** The key with this id, revoked or not. */
export async function findKeyById(ledger: LedgerConnection, id: string): Promise<ApiKeyRecord | undefined> {
  const rows = await ledger.database.select(keyColumns).from(apiKeys).innerJoin(accounts, eq(accounts.id, apiKeys.accountId)).where(eq(apiKeys.id, id)).limit(1)
  return rows[0]
}

export type KeyListing = ApiKeyRecord & { createdAtMs: number; balanceMicros: number }

/** Every key, newest first, with its account's balance. */
export async function listKeys(ledger: LedgerConnection): Promise<KeyListing[]> {
  return ledger.database
    .select({ ...keyColumns, createdAtMs: apiKeys.createdAtMs, balanceMicros: accounts.balanceMicros })
    .from(apiKeys)
    .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
    .orderBy(desc(apiKeys.createdAtMs), desc(apiKeys.id))
}

/** Revokes a key. Returns the key's hash when it was active, so caches can drop it; undefined otherwise. */
export async function revokeKey(ledger: LedgerConnection, id: string, nowMs: number): Promise<{ keyHash: string } | undefined> {
  const rows = await ledger.database
    .update(apiKeys)
    .set({ revokedAtMs: nowMs })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAtMs)))
    .returning({ keyHash: apiKeys.keyHash })
  return rows[0]
}

/** A key as JSON for people, scripts and the admin API: USD as decimal strings, times as ISO 8601, never the key. */
export function describeKey(key: KeyListing) {
  return {
    id: key.id,
    account_id: key.accountId,
    name: key.name,
    prefix: key.keyPrefix,
    balance_usd: formatMicrosAsUsd(key.balanceMicros),
    rpm: key.rpm,
    concurrency: key.concurrency,
    window_spend_usd: key.windowSpendMicros === null ? null : formatMicrosAsUsd(key.windowSpendMicros),
    created_at: new Date(key.createdAtMs).toISOString(),
    revoked_at: key.revokedAtMs === null ? null : new Date(key.revokedAtMs).toISOString(),
  }
}
