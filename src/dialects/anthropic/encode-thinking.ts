import type { CanonicalRequest, ReasoningEffort } from '../../core/canonical.ts'

/*
 * Canonical `reasoning` → Anthropic `thinking` (+ `output_config.effort`), WIRE.md §2.3.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
 */

/** Smallest `budget_tokens` Anthropic takes. */
export const thinkingBudgetTokensMin = 1024

/**
 * Reasoning effort → `budget_tokens` for models that take a budget (WIRE.md §2.3). A convention other gateways share,
 * not a vendor rule: `minimal` means no thinking, and `xhigh`/`max` spend as `high`.
 */
export const thinkingBudgetTokensByEffort: Record<ReasoningEffort, number | undefined> = {
  minimal: undefined,
  low: 1024,
  medium: 2048,
  high: 4096,
  xhigh: 4096,
  max: 4096,
}

/** The effort a request with reasoning on but no word for it gets (WIRE.md §2.3: adaptive defaults to medium). */
const defaultEffort: ReasoningEffort = 'medium'

/** The `thinking` request field. */
export type AnthropicThinking = { type: 'enabled'; budget_tokens: number } | { type: 'adaptive' } | { type: 'disabled' }

/**
 * The `thinking` field and effort word for one request, or none when reasoning is absent or `minimal`. Adaptive-only
 * models get `{type:"adaptive"}` and the effort word (a budget becomes the word by WIRE.md §2.3's way back); others
 * get a budget of at least 1024, from the request or from the effort table.
 */
export function encodeThinking(
  reasoning: CanonicalRequest['reasoning'],
  adaptiveThinkingOnly: boolean,
): { thinking?: AnthropicThinking; effort?: ReasoningEffort; budgetRaised?: boolean } {
  if (reasoning === undefined) return {}
  if (!reasoning.enabled) return { thinking: { type: 'disabled' } }
  if (reasoning.budgetTokens === undefined && reasoning.effort === 'minimal') return {}
  if (adaptiveThinkingOnly) {
    const effort = reasoning.effort ?? (reasoning.budgetTokens === undefined ? undefined : effortForBudget(reasoning.budgetTokens))
    return { thinking: { type: 'adaptive' }, ...(effort === undefined || effort === 'minimal' ? {} : { effort }) }
  }
  const requested = reasoning.budgetTokens ?? thinkingBudgetTokensByEffort[reasoning.effort ?? defaultEffort] ?? thinkingBudgetTokensMin
  const budgetTokens = Math.max(thinkingBudgetTokensMin, Math.round(requested))
  return { thinking: { type: 'enabled', budget_tokens: budgetTokens }, ...(budgetTokens === requested ? {} : { budgetRaised: true }) }
}

/** `budget_tokens` → effort word, by WIRE.md §2.3's table for the way back (≤1024 low, ≤8192 medium, else high). */
export function effortForBudget(budgetTokens: number): ReasoningEffort {
  if (budgetTokens <= 1024) return 'low'
  return budgetTokens <= 8192 ? 'medium' : 'high'
}
