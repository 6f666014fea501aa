import { GatewayFailure } from '../core/error.ts'
import { dialects } from '../dialects/index.ts'
import { decodeRequest } from '../dialects/anthropic/decode-request.ts'
import type { RelayResult } from '../translate/relay.ts'
import type { TokenEstimator } from '../translate/token-estimator.ts'

/*
 * count_tokens answers (WIRE.md §5). An Anthropic upstream counts exactly and its answer passes through, marked
 * `exact`; any other model gets the o200k estimate of the request as translated, marked `estimate`, and no upstream
 * is called.
 */

export const tokenCountHeader = 'x-anvat-token-count'

/** The estimate for a caller's count_tokens body, in Anthropic's exact shape. */
export async function estimatedCount(estimator: TokenEstimator, body: unknown, requestId: string): Promise<RelayResult> {
  const { request } = decodeRequest(body)
  const inputTokens = await estimator.countRequest(request)
  const headers = { [dialects.anthropic.requestIdHeader]: requestId, [tokenCountHeader]: 'estimate' }
  return { kind: 'whole', response: Response.json({ input_tokens: inputTokens }, { headers }) }
}

/**
 * An Anthropic upstream's exact count, or the flagged estimate when the upstream cannot count right now (429, 5xx,
 * unreachable): never a 500 and never a silent low number (WIRE.md §5). The caller's own mistakes (other 4xx) pass.
 */
export async function exactOrEstimated(count: () => Promise<RelayResult>, estimator: TokenEstimator, body: unknown, requestId: string): Promise<RelayResult> {
  let result: RelayResult
  try {
    result = await count()
  } catch (error) {
    // The upstream could not be reached or failed without an answer in the dialect: estimating is still possible.
    if (error instanceof GatewayFailure && error.error.code.startsWith('provider_')) return estimatedCount(estimator, body, requestId)
    throw error
  }
  const status = result.response.status
  if (result.kind === 'upstream-error' && (status === 429 || status >= 500)) return estimatedCount(estimator, body, requestId)
  return markExact(result)
}

/** Marks an upstream's successful count as exact; errors pass as they are. */
export function markExact(result: RelayResult): RelayResult {
  if (result.kind === 'whole' && result.response.ok) result.response.headers.set(tokenCountHeader, 'exact')
  return result
}
