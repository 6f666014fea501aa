import { sql } from 'drizzle-orm'
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/*
 * The ledger's tables. Money is integer micro-USD; times are Unix milliseconds. Entries are append-only and unique
 * by id, so a replayed write changes nothing; an account's balance is the sum of its entries, cached on the row.
 */

export const accounts = sqliteTable(
  'accounts',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    balanceMicros: integer('balance_micros').notNull().default(0),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (table) => [check('accounts_balance_non_negative', sql`${table.balanceMicros} >= 0`)],
)

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    name: text('name').notNull(),
    /** SHA-256 of the whole key, hex. The key itself is never stored. */
    keyHash: text('key_hash').notNull().unique(),
    /** The first characters of the key, enough to recognise it in a list. */
    keyPrefix: text('key_prefix').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
    revokedAtMs: integer('revoked_at_ms'),
    /** Per-key limits; null means the plan's (or none). */
    rpm: integer('rpm'),
    concurrency: integer('concurrency'),
    windowSpendMicros: integer('window_spend_micros'),
  },
  (table) => [index('api_keys_account_id').on(table.accountId)],
)

export const ledgerEntryKinds = ['grant', 'top-up', 'reserve', 'settle', 'release', 'adjustment'] as const
export type LedgerEntryKind = (typeof ledgerEntryKinds)[number]

export const ledgerEntries = sqliteTable(
  'ledger_entries',
  {
    /** Deterministic per cause (`${requestId}:settle`, `${keyId}:grant`), so a retried write is a no-op. */
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    kind: text('kind', { enum: ledgerEntryKinds }).notNull(),
    /** Signed: credit is positive, spending negative. */
    amountMicros: integer('amount_micros').notNull(),
    requestId: text('request_id'),
    note: text('note'),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (table) => [index('ledger_entries_account_id').on(table.accountId, table.createdAtMs)],
)
