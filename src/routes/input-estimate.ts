import type { CanonicalRequest } from '../core/canonical.ts'
import type { Operation } from '../core/dialect.ts'
import { decodeRequest as decodeAnthropicRequest } from '../dialects/anthropic/decode-request.ts'
import { decodeRequest as decodeChatRequest } from '../dialects/openai-chat/decode-request.ts'
import type { OpenAIChatCompletionCreateParams } from '../dialects/openai-chat/schema.ts'
import { decodeRequest as decodeResponsesRequest } from '../dialects/openai-responses/decode-request.ts'
import { estimateInputTokens } from '../translate/estimate-input.ts'
import type { TokenEstimator } from '../translate/token-estimator.ts'

/*
 * The input-token estimate of a model call before the upstream has counted anything (WIRE.md §5): the count_tokens
 * estimator (o200k, memoised per text) over the request in canonical form. It fills `message_start.usage.input_tokens`
 * on translated Anthropic streams, prices the ledger's hold, and stands in for usage an upstream never reported.
 *
 * The request path never waits for the encoding: until it has loaded (it starts loading on the first call), the
 * estimate is the byte-based one, which errs high. And one request encodes at most `requestEncodedCharactersMax`
 * characters the memo does not know, the rest counted by length, so a cold 400k-token conversation costs a few
 * milliseconds of CPU, not half a second, and is counted exactly within a few turns as the memo fills.
 */

/** About 10k tokens of new text encoded per request: a few milliseconds on one core. */
export const requestEncodedCharactersMax = 48 * 1024

/**
 * o200k against the upstream's own tokenizer, for the hold only: OpenAI's models use o200k itself; other tokenizers
 * (Claude's, measured 10–35% above o200k on prose and code) count more, and a hold below the real cost is money the
 * ledger can no longer collect. Images count a flat 765 in the estimator, below Claude's ~1,600 for a large image,
 * which the same margin partly covers.
 */
export const reservationMarginOpenAI = 1.1
export const reservationMarginOther = 1.4

export type InputEstimate = {
  /** The estimate itself: for `message_start` and for usage the upstream never reported. */
  tokens: number
  /** What the hold prices: the estimate with the tokenizer margin, or the byte-based estimate as it is. */
  reservationTokens: number
}

export function estimateInput(
  estimator: TokenEstimator,
  request: CanonicalRequest | undefined,
  target: { upstreamModel: string; /** The upstream tokenizes with o200k (an OpenAI-shaped provider). */ o200k: boolean },
  upstreamBodyText: string,
): InputEstimate {
  const counted = request === undefined ? undefined : estimator.countRequestIfLoaded(request, target.upstreamModel, requestEncodedCharactersMax)
  if (counted === undefined) {
    estimator.warmUp()
    const tokens = estimateInputTokens(upstreamBodyText)
    return { tokens, reservationTokens: tokens }
  }
  const margin = target.o200k ? reservationMarginOpenAI : reservationMarginOther
  return { tokens: counted, reservationTokens: Math.ceil(counted * margin) }
}

/** The caller's own body in canonical form, for a same-dialect call; undefined when it does not decode. */
export function decodeCallerRequest(operation: Operation, body: Record<string, unknown>): CanonicalRequest | undefined {
  try {
    if (operation === 'messages' || operation === 'count-tokens') return decodeAnthropicRequest(body).request
    const decoded = operation === 'chat-completions' ? decodeChatRequest(body as OpenAIChatCompletionCreateParams) : decodeResponsesRequest(body)
    return 'error' in decoded ? undefined : decoded.request
  } catch {
    // A body the upstream will judge (passthrough accepts what the canonical form cannot hold): estimate by bytes.
    return undefined
  }
}
