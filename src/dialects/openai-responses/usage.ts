import { promptTokens, tokenCount, type Usage } from '../../core/usage.ts'
import type { OpenAIResponseUsage } from './wire.ts'

/**
 * Responses usage → neutral usage: as Chat Completions, with `input_tokens` (cached included) and `output_tokens`
 * (reasoning included).
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage
 */
export function decodeUsage(raw: unknown): Usage {
  const usage = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  const inputDetails = (usage.input_tokens_details ?? {}) as Record<string, unknown>
  const outputDetails = (usage.output_tokens_details ?? {}) as Record<string, unknown>
  const cacheRead = tokenCount(inputDetails.cached_tokens)
  const cacheWrite5m = tokenCount(inputDetails.cache_write_tokens)
  return {
    input: Math.max(0, tokenCount(usage.input_tokens) - cacheRead - cacheWrite5m),
    cacheRead,
    cacheWrite5m,
    cacheWrite1h: 0,
    output: tokenCount(usage.output_tokens),
    reasoning: tokenCount(outputDetails.reasoning_tokens),
  }
}

/**
 * Neutral usage → Responses usage (WIRE.md §4): `input_tokens` counts every prompt token, cached or written, as
 * Chat's `prompt_tokens` does; `cached_tokens` names the cache reads within it and `cache_write_tokens` (required in
 * openai-node's `ResponseUsage.InputTokensDetails`) the writes, both 5-minute and 1-hour, so decodeUsage gets the
 * uncached input back.
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage
 */
export function encodeUsage(usage: Usage): OpenAIResponseUsage {
  const input = promptTokens(usage)
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cacheRead, cache_write_tokens: usage.cacheWrite5m + usage.cacheWrite1h },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: usage.reasoning },
    total_tokens: input + usage.output,
  }
}
