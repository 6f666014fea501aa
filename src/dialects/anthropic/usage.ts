import { tokenCount, type Usage } from '../../core/usage.ts'
import type { AnthropicUsage } from './wire.ts'

/**
 * Anthropic usage → neutral usage. `input_tokens` already excludes cache reads and writes; the 1-hour share of cache
 * writes is in `cache_creation.ephemeral_1h_input_tokens`, and the rest of `cache_creation_input_tokens` is 5-minute.
 * `previous` lets a stream's `message_delta` (cumulative, overwriting) keep fields it does not repeat.
 * @see https://docs.anthropic.com/en/api/messages#response-usage
 */
export function decodeUsage(raw: unknown, previous?: Usage): Usage {
  const usage = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  const has = (field: string) => field in usage && usage[field] !== null
  const cacheCreation = (usage.cache_creation ?? {}) as Record<string, unknown>
  const cacheWriteTotal = has('cache_creation_input_tokens') ? tokenCount(usage.cache_creation_input_tokens) : undefined
  const cacheWrite1h = has('cache_creation') ? tokenCount(cacheCreation.ephemeral_1h_input_tokens) : undefined
  const details = (usage.output_tokens_details ?? {}) as Record<string, unknown>
  const base = previous ?? { input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 }
  // A message_delta repeats the cache-write total without its split: keep the 1-hour share already known.
  const oneHour = cacheWrite1h ?? Math.min(base.cacheWrite1h, cacheWriteTotal ?? base.cacheWrite1h)
  return {
    input: has('input_tokens') ? tokenCount(usage.input_tokens) : base.input,
    cacheRead: has('cache_read_input_tokens') ? tokenCount(usage.cache_read_input_tokens) : base.cacheRead,
    cacheWrite1h: oneHour,
    cacheWrite5m: cacheWriteTotal === undefined ? base.cacheWrite5m : Math.max(0, cacheWriteTotal - oneHour),
    output: has('output_tokens') ? tokenCount(usage.output_tokens) : base.output,
    reasoning: 'thinking_tokens' in details ? tokenCount(details.thinking_tokens) : base.reasoning,
  }
}

/**
 * Neutral usage → Anthropic `usage` (WIRE.md §4): input stays uncached, the cache-write total is both durations, and
 * the split is spelled out so A-native meters that add the three input fields see the whole prompt once (edge 8).
 */
export function encodeUsage(usage: Usage): AnthropicUsage {
  return {
    input_tokens: usage.input,
    cache_creation_input_tokens: usage.cacheWrite5m + usage.cacheWrite1h,
    cache_read_input_tokens: usage.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: usage.cacheWrite5m, ephemeral_1h_input_tokens: usage.cacheWrite1h },
    output_tokens: usage.output,
    ...(usage.reasoning > 0 ? { output_tokens_details: { thinking_tokens: usage.reasoning } } : {}),
  }
}
