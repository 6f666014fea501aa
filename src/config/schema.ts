import { Type, type Static } from '@sinclair/typebox'

/*
 * The configuration file's schema. Field names are part of the product's interface (README "Config reference").
 * Objects are closed, so a misspelt field fails at start instead of being silently ignored.
 */

const closed = { additionalProperties: false } as const
const identifier = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:/@-]*$' })
const httpUrl = Type.String({ pattern: '^https?://[^\\s/?#]+[^\\s]*$' })
const usdPerMillionTokens = Type.Number({ minimum: 0, maximum: 1_000_000 })

/** A provider's shape is chosen by its `type`, checked once the type is known. */
export const ProviderHeader = Type.Object({ id: identifier, type: Type.Union([Type.Literal('anthropic'), Type.Literal('openai'), Type.Literal('mock')]) }, { additionalProperties: true })

export const HttpProviderConfig = Type.Object(
  {
    id: identifier,
    type: Type.Union([Type.Literal('anthropic'), Type.Literal('openai')]),
    /** Follows each SDK's convention: OpenAI's includes `/v1`, Anthropic's does not. */
    baseUrl: httpUrl,
    /** The key itself, or `env:NAME` to read it from the environment. */
    apiKey: Type.String({ minLength: 1 }),
  },
  closed,
)
export type HttpProviderConfig = Static<typeof HttpProviderConfig>

export const MockProviderConfig = Type.Object({ id: identifier, type: Type.Literal('mock') }, closed)
export type MockProviderConfig = Static<typeof MockProviderConfig>

export type ProviderConfig = HttpProviderConfig | MockProviderConfig

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
    limiterEntriesMax: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    thinkingVaultEntriesMax: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    thinkingVaultTtlMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800_000 })),
    responseStoreRetentionMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 31_536_000_000 })),
    // SQLite refuses strings over 1e9 bytes (SQLITE_MAX_LENGTH), so one response must stay well under that.
    responseStoreItemsBytesMax: Type.Optional(Type.Integer({ minimum: 1024, maximum: 512 * 1024 * 1024 })),
    responseStoreKeyBytesMax: Type.Optional(Type.Integer({ minimum: 1024, maximum: 1024 * 1024 * 1024 * 1024 })),
    countCacheEntriesMax: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    countCacheTtlMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
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
}

/** The validated, resolved configuration the gateway runs on: secrets read, defaults applied, frozen. */
export type Config = {
  providers: readonly ProviderConfig[]
  models: readonly ModelConfig[]
  /** The default plan's limits, or none. */
  defaultPlan: PlanConfig | undefined
  limits: Limits
}
