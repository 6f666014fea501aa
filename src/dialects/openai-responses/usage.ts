import { tokenCount, type Usage } from '../../core/usage.ts'

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
