import { Type, type Static } from '@sinclair/typebox'
import type { UpstreamTimeouts } from '../core/provider.ts'
import { AccountsConfig, MailConfig, PackConfig, type ResolvedAccountsConfig } from './accounts-schema.ts'
import { closed, httpUrl, identifier } from './schema-parts.ts'

export { AccountsConfig, defaultAccounts, MailConfig, PackConfig, type ResolvedAccountsConfig } from './accounts-schema.ts'

/*
 * The configuration file's schema. Field names are part of the product's interface (README "Config reference").
 * Objects are closed, so a misspelt field fails at start instead of being silently ignored.
 */

const usdPerMillionTokens = Type.Number({ minimum: 0, maximum: 1_000_000 })

/** A provider's shape is chosen by its `type`, checked once the type is known. */
export const ProviderHeader = Type.Object({ id: identifier, type: Type.Union([Type.Literal('anthropic'), Type.Literal('openai'), Type.Literal('mock')]) }, { additionalProperties: true })

const secret = Type.String({ minLength: 1 })

/** One provider's own timeouts, each overriding the limit of the same stage (`limits.connectTimeoutMs`, …). */
export const ProviderTimeoutsConfig = Type.Object(
  {
    connectMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    firstByteMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
    idleMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
  },
  closed,
)

/** An HTTP upstream. Exactly one of `apiKey` and `apiKeys` is given (load.ts checks, as JSON Schema cannot say it plainly). */
export const HttpProviderConfig = Type.Object(
  {
    id: identifier,
    type: Type.Union([Type.Literal('anthropic'), Type.Literal('openai')]),
    /** Follows each SDK's convention: OpenAI's includes `/v1`, Anthropic's does not. */
    baseUrl: httpUrl,
    /** The key itself, or `env:NAME` to read it from the environment. */
    apiKey: Type.Optional(secret),
    /** A pool of keys, each as `apiKey`, used in turn; a refused or rate-limited key rests while the others serve. */
    apiKeys: Type.Optional(Type.Array(secret, { minItems: 1, maxItems: 64 })),
    timeouts: Type.Optional(ProviderTimeoutsConfig),
  },
  closed,
)
export type HttpProviderConfig = Static<typeof HttpProviderConfig>

export const MockProviderConfig = Type.Object({ id: identifier, type: Type.Literal('mock') }, closed)
export type MockProviderConfig = Static<typeof MockProviderConfig>

/** A provider as the config file gives it. */
export type ProviderConfig = HttpProviderConfig | MockProviderConfig

/** An HTTP provider after loading: every key read from the environment (`apiKey` folded in), every timeout set. */
export type ResolvedHttpProviderConfig = Omit<HttpProviderConfig, 'apiKey' | 'apiKeys' | 'timeouts'> & {
  apiKeys: readonly string[]
  timeouts: UpstreamTimeouts
}

/** The mock after loading: it has no key, and the default timeouts. */
export type ResolvedMockProviderConfig = MockProviderConfig & { timeouts: UpstreamTimeouts }

/** A provider as the gateway runs it. */
export type ResolvedProviderConfig = ResolvedHttpProviderConfig | ResolvedMockProviderConfig

export const Pricing = Type.Object(
  {
    input: usdPerMillionTokens,
    output: usdPerMillionTokens,
    cacheWrite: Type.Optional(usdPerMillionTokens),
    cacheWrite1h: Type.Optional(usdPerMillionTokens),
    cacheRead: Type.Optional(usdPerMillionTokens),
  },
  closed,
)
export type Pricing = Static<typeof Pricing>

export const ModelConfig = Type.Object(
  {
    id: identifier,
    provider: identifier,
    /** The name sent upstream, when it differs from the id callers use. */
    upstreamId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** Unix seconds; shown as `created` (OpenAI) and `created_at` (Anthropic) in /v1/models. */
    created: Type.Optional(Type.Integer({ minimum: 0, maximum: 253_402_300_799 })),
    /** Most output tokens the model writes; reserved for requests that set no limit of their own. */
    maxOutputTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    pricing: Pricing,
    /** Models tried in order when this one fails before its first byte (any provider and dialect); not followed further. */
    fallbacks: Type.Optional(Type.Array(identifier, { maxItems: 8 })),
  },
  closed,
)
export type ModelConfig = Static<typeof ModelConfig>

export const LimitsConfig = Type.Object(
  {
    bodyBytesMax: Type.Optional(Type.Integer({ minimum: 1024, maximum: 1024 * 1024 * 1024 })),
    jsonDepthMax: Type.Optional(Type.Integer({ minimum: 8, maximum: 10_000 })),
    keepaliveIntervalMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    streamIdleTimeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
    eventBytesMax: Type.Optional(Type.Integer({ minimum: 1024, maximum: 1024 * 1024 * 1024 })),
    keyCacheEntriesMax: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    keyCacheTtlMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
    defaultMaxOutputTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    reservationTimeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 604_800_000 })),
    instanceTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 })),
    sweepIntervalMs: Type.Optional(Type.Integer({ minimum: 50, maximum: 3_600_000 })),
    groupCommitEntriesMax: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    groupCommitDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000 })),
    limiterEntriesMax: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    thinkingVaultEntriesMax: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    thinkingVaultTtlMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800_000 })),
    responseStoreRetentionMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 31_536_000_000 })),
    // SQLite refuses strings over 1e9 bytes (SQLITE_MAX_LENGTH), so one response must stay well under that.
    responseStoreItemsBytesMax: Type.Optional(Type.Integer({ minimum: 1024, maximum: 512 * 1024 * 1024 })),
    responseStoreKeyBytesMax: Type.Optional(Type.Integer({ minimum: 1024, maximum: 1024 * 1024 * 1024 * 1024 })),
    countCacheEntriesMax: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    countCacheTtlMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    retryAttemptsMax: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    retryBaseDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    retryDelayMaxMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    retryDeadlineMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3_600_000 })),
    retryAfterMaxMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    keyCooldownMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
    keyRateLimitCooldownMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
    keyRateLimitStrikes: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    firstByteTimeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
  },
  closed,
)

/** Per-key limits by name; a key's own stored values override its plan's, field by field. Absent = unlimited. */
export const PlanConfig = Type.Object(
  {
    id: identifier,
    /** Requests admitted per rolling 60 s. */
    rpm: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    /** Requests in flight at once. */
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /** USD spent (settled plus held) per rolling window. */
    windowSpendUsd: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000_000 })),
    /** The spend window's length, seconds (default 18000 = 5 h). */
    windowSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
    /** Share taken off every metered cost, 0 to 1 (0.2 = 20% off); `x-anvat-cost-usd` and the ledger show the cost after it. */
    discount: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  closed,
)
export type PlanConfig = Static<typeof PlanConfig>


export const ConfigFile = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    providers: Type.Array(ProviderHeader, { maxItems: 1000 }),
    models: Type.Array(ModelConfig, { maxItems: 100_000 }),
    plans: Type.Optional(Type.Array(PlanConfig, { maxItems: 1000 })),
    /** The plan every key is on unless its own values say otherwise. */
    defaultPlan: Type.Optional(identifier),
    limits: Type.Optional(LimitsConfig),
    /** Credit granted once to each account made at /app/signup, USD (default 2). */
    signupCreditUsd: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000 })),
    packs: Type.Optional(Type.Array(PackConfig, { maxItems: 100 })),
    accounts: Type.Optional(AccountsConfig),
    mail: Type.Optional(MailConfig),
  },
  closed,
)
export type ConfigFile = Static<typeof ConfigFile>

/** Every limit with its unit and default. */
export type Limits = {
  bodyBytesMax: number
  jsonDepthMax: number
  keepaliveIntervalMs: number
  streamIdleTimeoutMs: number
  eventBytesMax: number
  keyCacheEntriesMax: number
  keyCacheTtlMs: number
  defaultMaxOutputTokens: number
  reservationTimeoutMs: number
  instanceTimeoutMs: number
  sweepIntervalMs: number
  groupCommitEntriesMax: number
  /** How long a settlement waits for others to share its commit; the caller has its answer already. */
  groupCommitDelayMs: number
  /** Most keys whose request-rate windows are kept in memory (least recently used dropped first). */
  limiterEntriesMax: number
  /** Most Claude tool-call turns whose thinking is kept for Chat clients (least recently used dropped first). */
  thinkingVaultEntriesMax: number
  /** How long a vaulted turn's thinking is kept, ms; 0 keeps none. */
  thinkingVaultTtlMs: number
  /** How long a Responses client can continue a translated model's response by `previous_response_id`; 0 keeps none. */
  responseStoreRetentionMs: number
  /** Largest one stored response's items may be (UTF-8 JSON); a larger response is not kept for continuation. */
  responseStoreItemsBytesMax: number
  /** Most bytes of stored responses one key keeps; its oldest are deleted past it. */
  responseStoreKeyBytesMax: number
  /** Most count_tokens answers kept for repeated identical calls (least recently used dropped first). */
  countCacheEntriesMax: number
  /** How long a count_tokens answer is reused, ms; 0 keeps none. */
  countCacheTtlMs: number
  /** Attempts per model, the first included; 1 turns retries off. */
  retryAttemptsMax: number
  /** The first retry's backoff, ms; each later one doubles it (with jitter) up to `retryDelayMaxMs`. */
  retryBaseDelayMs: number
  /** The longest backoff between two attempts, ms. */
  retryDelayMaxMs: number
  /** All attempts and fallbacks together, ms, until the first byte reaches the caller; then the answer is the last error. */
  retryDeadlineMs: number
  /** The longest upstream `retry-after` waited out, ms; a longer one moves on to the next key or fallback, or gives up. */
  retryAfterMaxMs: number
  /** How long a key the upstream refused (401/403) rests, ms. */
  keyCooldownMs: number
  /** How long a key rests after `keyRateLimitStrikes` consecutive 429s, ms, or the upstream's retry-after if longer. */
  keyRateLimitCooldownMs: number
  /** Consecutive 429s on one key that make it rest; a success starts the count again. */
  keyRateLimitStrikes: number
  /** Default time to open a connection to an upstream, ms (a provider's `timeouts.connectMs` overrides it). */
  connectTimeoutMs: number
  /** Default time from sending a request to the upstream's response headers, ms (`timeouts.firstByteMs` overrides it). */
  firstByteTimeoutMs: number
}

export const defaultLimits: Limits = {
  bodyBytesMax: 32 * 1024 * 1024,
  jsonDepthMax: 128,
  keepaliveIntervalMs: 15_000,
  streamIdleTimeoutMs: 600_000,
  eventBytesMax: 64 * 1024 * 1024,
  keyCacheEntriesMax: 100_000,
  keyCacheTtlMs: 30_000,
  defaultMaxOutputTokens: 32_768,
  reservationTimeoutMs: 7_200_000,
  instanceTimeoutMs: 30_000,
  sweepIntervalMs: 5_000,
  groupCommitEntriesMax: 1_000,
  groupCommitDelayMs: 2,
  limiterEntriesMax: 100_000,
  thinkingVaultEntriesMax: 10_000,
  thinkingVaultTtlMs: 3_600_000,
  /** 30 days, as OpenAI keeps stored responses (https://platform.openai.com/docs/guides/conversation-state). */
  responseStoreRetentionMs: 2_592_000_000,
  /** 4 MiB: JSON-escaped once more on the wire, it stays under libSQL servers' default 10 MB response limit. */
  responseStoreItemsBytesMax: 4 * 1024 * 1024,
  responseStoreKeyBytesMax: 256 * 1024 * 1024,
  countCacheEntriesMax: 10_000,
  /** A minute: long enough for a client's start-up burst, short enough that nothing stale lingers. */
  countCacheTtlMs: 60_000,
  retryAttemptsMax: 3,
  retryBaseDelayMs: 500,
  retryDelayMaxMs: 8_000,
  /** A minute: past it a caller's own client has usually given up, so retrying would pay for answers nobody reads. */
  retryDeadlineMs: 60_000,
  retryAfterMaxMs: 20_000,
  /** Five minutes: long enough that a revoked key is not hammered, short enough that a restored one returns soon. */
  keyCooldownMs: 300_000,
  keyRateLimitCooldownMs: 30_000,
  keyRateLimitStrikes: 3,
  connectTimeoutMs: 10_000,
  /**
   * Ten minutes: a non-streaming answer from a reasoning model arrives whole, headers included, only once it is
   * written, which can take minutes; a streamed one sends its headers at once, so this rarely bites there.
   */
  firstByteTimeoutMs: 600_000,
}

/** The validated, resolved configuration the gateway runs on: secrets read, defaults applied, frozen. */
export type Config = {
  providers: readonly ResolvedProviderConfig[]
  models: readonly ModelConfig[]
  /** The default plan's limits, or none. */
  defaultPlan: PlanConfig | undefined
  /** Every plan, by id, for accounts put on one of their own. */
  plans: ReadonlyMap<string, PlanConfig>
  limits: Limits
  accounts: ResolvedAccountsConfig
  packs: readonly PackConfig[]
  /** Mail with its SMTP URL resolved, or none (address confirmation and password reset are off). */
  mail: MailConfig | undefined
}
