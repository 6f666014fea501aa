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
    /** The sum of the account's ledger entries, kept by a trigger on every insert (drizzle/0002_ledger_triggers.sql). */
    balanceMicros: integer('balance_micros').notNull().default(0),
    createdAtMs: integer('created_at_ms').notNull(),
    /** When the balance last moved. */
    updatedAtMs: integer('updated_at_ms').notNull().default(0),
    /** Everything the account has ever been charged (settled), kept by a trigger (drizzle/0005_spend_marks.sql). */
    settledTotalMicros: integer('settled_total_micros').notNull().default(0),
    /** The plan (config `plans[].id`) the account's keys are on; null means the config's `defaultPlan`. */
    planId: text('plan_id'),
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

/** Holds not yet settled or released: one row per reservation, deleted by its release. */
export const openReservations = sqliteTable(
  'open_reservations',
  {
    requestId: text('request_id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    amountMicros: integer('amount_micros').notNull(),
    /** The gateway process holding it; its heartbeat going stale means the hold can be released. */
    instanceId: text('instance_id').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (table) => [
    index('open_reservations_instance_id').on(table.instanceId),
    index('open_reservations_created_at_ms').on(table.createdAtMs),
    index('open_reservations_account_id').on(table.accountId),
  ],
)

/**
 * The account's running settled total after each settle, written by a trigger with the settle entry. What an account
 * spent since time T is its `settled_total_micros` now minus the total of its last mark at or before T: two index
 * lookups, however many requests the window holds. The spend cap reads it on every request.
 */
export const spendMarks = sqliteTable(
  'spend_marks',
  {
    id: integer('id').primaryKey({ autoIncrement: false }),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    atMs: integer('at_ms').notNull(),
    totalMicros: integer('total_micros').notNull(),
  },
  (table) => [index('spend_marks_account_at').on(table.accountId, table.atMs, table.totalMicros), index('spend_marks_account_total').on(table.accountId, table.totalMicros)],
)

/** Gateway processes sharing this ledger, with their last heartbeat. */
export const gatewayInstances = sqliteTable('gateway_instances', {
  id: text('id').primaryKey(),
  startedAtMs: integer('started_at_ms').notNull(),
  heartbeatAtMs: integer('heartbeat_at_ms').notNull(),
})

/** One row per metered request: who, what, how many tokens of each kind, and what it cost. */
export const usageRecords = sqliteTable(
  'usage_records',
  {
    requestId: text('request_id').primaryKey(),
    keyId: text('key_id').notNull(),
    accountId: text('account_id').notNull(),
    /** The model that answered: a fallback's when the requested one failed. */
    model: text('model').notNull(),
    /** The model the caller asked for (rows written before this column existed repeat `model`). */
    requestedModel: text('requested_model').notNull().default(''),
    /** Upstream attempts across retries and fallbacks; 0 when refused before any was made. */
    attempts: integer('attempts').notNull().default(0),
    provider: text('provider').notNull(),
    dialectIn: text('dialect_in').notNull(),
    dialectOut: text('dialect_out').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    cacheReadTokens: integer('cache_read_tokens').notNull(),
    cacheWrite5mTokens: integer('cache_write_5m_tokens').notNull(),
    cacheWrite1hTokens: integer('cache_write_1h_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    reasoningTokens: integer('reasoning_tokens').notNull(),
    costMicros: integer('cost_micros').notNull(),
    /** What the balance could not cover when the cost outran the reservation (never charged into the negative). */
    unbilledMicros: integer('unbilled_micros').notNull().default(0),
    status: integer('status').notNull(),
    outcome: text('outcome').notNull(),
    estimated: integer('estimated', { mode: 'boolean' }).notNull(),
    partial: integer('partial', { mode: 'boolean' }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
    /** The rates the request was priced at (`prices.id`), for the audit; null on rows written before prices were kept. */
    priceId: text('price_id'),
    /** The upstream's own id for the answer (`request-id` / `x-request-id`), for its provider's support; null if none. */
    upstreamRequestId: text('upstream_request_id'),
  },
  (table) => [index('usage_records_key_id').on(table.keyId, table.createdAtMs), index('usage_records_account_id').on(table.accountId, table.createdAtMs)],
)

/**
 * OpenAI Responses state the gateway keeps for models that do not keep it themselves: one row per response, holding
 * the items a follow-up's `previous_response_id` expands to. Scoped to the key that created it, bounded by age
 * (`expires_at_ms`) and by each key's total bytes (oldest evicted first).
 */
export const storedResponses = sqliteTable(
  'stored_responses',
  {
    /** The response id the client saw (`resp_…`). */
    id: text('id').primaryKey(),
    keyId: text('key_id').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
    expiresAtMs: integer('expires_at_ms').notNull(),
    /** UTF-8 length of `items_json`, summed for the per-key cap without reading the JSON. */
    itemsBytes: integer('items_bytes').notNull(),
    /**
     * The items, as a JSON array. Last on purpose: SQLite reads a row's columns in order, so the size and times
     * above stay on the row's first page and are read without walking the JSON's overflow pages.
     */
    itemsJson: text('items_json').notNull(),
  },
  (table) => [index('stored_responses_expires_at_ms').on(table.expiresAtMs), index('stored_responses_key_id').on(table.keyId, table.createdAtMs)],
)

/**
 * People who sign in to the self-serve pages (/app): one user per account, who owns the account's keys and credit.
 * Accounts made by `anvat keys create` or the admin API have no user. The email is kept trimmed and lower-cased;
 * the password only as its argon2id hash (`Bun.password`).
 */
export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .unique()
      .references(() => accounts.id),
    email: text('email').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
    /** When the address was confirmed by a link sent to it; null while unconfirmed or when no mail sender is set up. */
    emailVerifiedAtMs: integer('email_verified_at_ms'),
  },
)

/**
 * Signed-in browsers. The cookie carries a random token; only its SHA-256 is stored, so a leaked database opens no
 * session. Each session has its own CSRF token, which every form it renders carries back.
 */
export const sessions = sqliteTable(
  'sessions',
  {
    /** SHA-256 of the cookie's token, hex. */
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    csrfToken: text('csrf_token').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
    expiresAtMs: integer('expires_at_ms').notNull(),
  },
  (table) => [index('sessions_user_id').on(table.userId), index('sessions_expires_at_ms').on(table.expiresAtMs)],
)

/**
 * Single-use links mailed to a user: an address confirmation or a password reset. Only the SHA-256 of the link's
 * token is stored; a used or expired one opens nothing.
 */
export const emailTokens = sqliteTable(
  'email_tokens',
  {
    /** SHA-256 of the token in the link, hex. */
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    purpose: text('purpose', { enum: ['verify-email', 'reset-password'] }).notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
    expiresAtMs: integer('expires_at_ms').notNull(),
    usedAtMs: integer('used_at_ms'),
  },
  (table) => [index('email_tokens_user_id').on(table.userId)],
)

/**
 * Prepaid packs bought or granted: one row per purchase, unique by its cause (a Stripe Checkout session, or the
 * operator's grant id), written in the same batch as the ledger entry that credits it, so a replayed webhook credits
 * nothing twice.
 */
export const payments = sqliteTable(
  'payments',
  {
    /** `stripe:<checkout session id>` or `operator:<grant id>`. */
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    packId: text('pack_id').notNull(),
    source: text('source', { enum: ['stripe', 'operator'] }).notNull(),
    /** What was paid, in micro-USD (0 for an operator's grant). */
    paidMicros: integer('paid_micros').notNull(),
    /** What was credited, in micro-USD. */
    creditMicros: integer('credit_micros').notNull(),
    /** The Stripe event that reported the payment, if any. */
    eventId: text('event_id'),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (table) => [index('payments_account_id').on(table.accountId, table.createdAtMs)],
)

/**
 * Every distinct set of rates a request was priced at: a model's configured prices with its plan's discount taken
 * off, in pico-USD per token. The id is derived from the model and the rates, so a row is written once however many
 * requests use it, and a price change (or another plan) is a new row. `anvat audit` recomputes each settled cost
 * from its usage record's tokens and these rates.
 */
export const prices = sqliteTable('prices', {
  /** `price_` and a hash of the model and its rates. */
  id: text('id').primaryKey(),
  model: text('model').notNull(),
  inputPico: integer('input_pico').notNull(),
  outputPico: integer('output_pico').notNull(),
  cacheWrite5mPico: integer('cache_write_5m_pico').notNull(),
  cacheWrite1hPico: integer('cache_write_1h_pico').notNull(),
  cacheReadPico: integer('cache_read_pico').notNull(),
  createdAtMs: integer('created_at_ms').notNull(),
})
