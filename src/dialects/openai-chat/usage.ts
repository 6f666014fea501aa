import { promptTokens, tokenCount, type Usage } from '../../core/usage.ts'
import type { OpenAIChatUsage } from './wire.ts'

/**
 * Chat Completions usage → neutral usage. `prompt_tokens` includes cached tokens (and cache writes where a provider
 * reports them), so the uncached input is what remains; `completion_tokens` includes reasoning.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 */
export function decodeUsage(raw: unknown): Usage {
  const usage = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  const promptDetails = (usage.prompt_tokens_details ?? {}) as Record<string, unknown>
  const completionDetails = (usage.completion_tokens_details ?? {}) as Record<string, unknown>
  const cacheRead = tokenCount(promptDetails.cached_tokens)
  const cacheWrite5m = tokenCount(promptDetails.cache_write_tokens)
  return {
    input: Math.max(0, tokenCount(usage.prompt_tokens) - cacheRead - cacheWrite5m),
    cacheRead,
    cacheWrite5m,
    cacheWrite1h: 0,
    output: tokenCount(usage.completion_tokens),
    reasoning: tokenCount(completionDetails.reasoning_tokens),
  }
}

/**
 * Neutral usage → Chat Completions usage (WIRE.md §4): the prompt counts every input token, cached or written, so a
 * client adding nothing up sees the whole prompt; `cached_tokens` names the cache reads within it.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 */
export function encodeUsage(usage: Usage): OpenAIChatUsage {
  const prompt = promptTokens(usage)
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.output,
    total_tokens: prompt + usage.output,
    prompt_tokens_details: { cached_tokens: usage.cacheRead },
    completion_tokens_details: { reasoning_tokens: usage.reasoning },
  }
}
