import { and, desc, eq, isNull } from 'drizzle-orm'
import { fail } from '../core/error.ts'
import { randomBase62 } from '../core/ids.ts'
import { generateApiKey, hashApiKey, visiblePrefix } from './api-key.ts'
import type { LedgerDatabase } from './database.ts'
import { accounts, apiKeys, ledgerEntries } from './schema.ts'

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
}

export type NewKey = {
  name: string
  creditMicros: number
  rpm?: number | null
  concurrency?: number | null
  windowSpendMicros?: number | null
}

/** Creates an account, its key and the opening grant in one transaction. Returns the key in clear, once. */
export function createKey(database: LedgerDatabase, input: NewKey, nowMs: number): { id: string; key: string; accountId: string } {
  if (!Number.isSafeInteger(input.creditMicros) || input.creditMicros < 0) {
    fail('caller_invalid_request', `Credit must be a non-negative whole number of micro-USD, got ${input.creditMicros}.`)
  }
  const key = generateApiKey()
  const id = `key_${randomBase62(16)}`
  const accountId = `acct_${randomBase62(16)}`
  database.transaction((transaction) => {
    transaction.insert(accounts).values({ id: accountId, name: input.name, balanceMicros: input.creditMicros, createdAtMs: nowMs }).run()
    transaction
      .insert(apiKeys)
      .values({
        id,
        accountId,
        name: input.name,
        keyHash: hashApiKey(key),
        keyPrefix: visiblePrefix(key),
        createdAtMs: nowMs,
        rpm: input.rpm ?? null,
        concurrency: input.concurrency ?? null,
        windowSpendMicros: input.windowSpendMicros ?? null,
      })
      .run()
    transaction
      .insert(ledgerEntries)
      .values({ id: `${id}:grant`, accountId, kind: 'grant', amountMicros: input.creditMicros, note: 'opening grant', createdAtMs: nowMs })
      .run()
  })
  return { id, key, accountId }
}

/** The key whose hash this is, revoked or not. */
export function findKeyByHash(database: LedgerDatabase, keyHash: string): ApiKeyRecord | undefined {
  return database
    .select({
      id: apiKeys.id,
      accountId: apiKeys.accountId,
      name: apiKeys.name,
      keyPrefix: apiKeys.keyPrefix,
      revokedAtMs: apiKeys.revokedAtMs,
      rpm: apiKeys.rpm,
      concurrency: apiKeys.concurrency,
      windowSpendMicros: apiKeys.windowSpendMicros,
    })
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, keyHash))
    .get()
}

export type KeyListing = ApiKeyRecord & { createdAtMs: number; balanceMicros: number }

/** Every key, newest first, with its account's balance. */
export function listKeys(database: LedgerDatabase): KeyListing[] {
  return database
    .select({
      id: apiKeys.id,
      accountId: apiKeys.accountId,
      name: apiKeys.name,
      keyPrefix: apiKeys.keyPrefix,
      revokedAtMs: apiKeys.revokedAtMs,
      rpm: apiKeys.rpm,
      concurrency: apiKeys.concurrency,
      windowSpendMicros: apiKeys.windowSpendMicros,
      createdAtMs: apiKeys.createdAtMs,
      balanceMicros: accounts.balanceMicros,
    })
    .from(apiKeys)
    .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
    .orderBy(desc(apiKeys.createdAtMs), desc(apiKeys.id))
    .all()
}

/** Revokes a key. Returns the key's hash when it was active, so caches can drop it; undefined otherwise. */
export function revokeKey(database: LedgerDatabase, id: string, nowMs: number): { keyHash: string } | undefined {
  const revoked = database
    .update(apiKeys)
    .set({ revokedAtMs: nowMs })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAtMs)))
    .returning({ keyHash: apiKeys.keyHash })
    .get()
  return revoked === undefined ? undefined : { keyHash: revoked.keyHash }
}
