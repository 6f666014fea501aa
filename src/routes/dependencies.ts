import type { Config } from '../config/schema.ts'
import type { Provider } from '../core/provider.ts'
import type { ConnectProbe } from '../providers/connect-probe.ts'
import type { KeyPool } from '../providers/key-pool.ts'
import type { Ledger } from '../ledger/ledger.ts'
import type { LimiterStore } from '../limits/limiter-store.ts'
import type { Catalog } from '../providers/registry.ts'
import type { Logger } from '../server/logger.ts'
import type { RequestContexts } from '../server/request-context.ts'
import type { CountCache } from './count-cache.ts'
import type { ResponseState } from './response-state.ts'
import type { ThinkingVault } from '../translate/thinking-vault.ts'
import type { TokenEstimator } from '../translate/token-estimator.ts'

/** Where the server is in its life: readiness answers from it. */
export type Lifecycle = { state: 'starting' | 'ready' | 'draining'; startedMs: number }

/** What every route receives from createApp: no route reaches for anything else. */
export type RouteDependencies = {
  config: Config
  catalog: Catalog
  ledger: Ledger
  limiters: LimiterStore
  contexts: RequestContexts
  lifecycle: Lifecycle
  logger: Logger
  now: () => number
  /** Claude's thinking from tool-call turns, kept for Chat clients that cannot send it back (WIRE.md §2.3). */
  thinkingVault: ThinkingVault
  /** count_tokens for models that do not speak Anthropic (WIRE.md §5); its encoding loads on first use. */
  tokenEstimator: TokenEstimator
  /** Recent count_tokens answers, for the bursts Claude Code sends. */
  countCache: CountCache
  /** Responses chains (`previous_response_id`) of translated models, kept in the ledger database per key. */
  responseState: ResponseState
  scrub: (text: string) => string
  /** Each provider's key pool (per-process state): which key the next attempt uses, and which are resting. */
  keyPoolOf: (provider: Pick<Provider, 'id'>) => KeyPool
  /** Waits between retry attempts, or rejects as soon as the caller goes away. */
  sleep: (milliseconds: number, signal: AbortSignal) => Promise<void>
  /** Uniform in [0, 1): the jitter of retry backoff. */
  random: () => number
  /** The connect timeout's TCP probe, with its memory of hosts that answered. */
  connectProbe: ConnectProbe
  /** A cheap query against the ledger's database (`SELECT 1`) for /readyz; without it readiness is the lifecycle only. */
  probeDatabase?: () => Promise<unknown>
}
