import type { Config } from '../config/schema.ts'
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
}
