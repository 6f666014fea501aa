import type { FinishReason } from '../../core/canonical.ts'
import type { OpenAIChatFinishReason } from './wire.ts'

/**
 * Chat `finish_reason` ⇄ the neutral finish reason (WIRE.md §2.5, edge 24). Read both ways: decoding looks a value
 * up, encoding takes the first row whose unified reason matches, so the order of rows is the preference. `pause` (an
 * Anthropic `pause_turn`) has no Chat word: the turn ended for now, which a Chat client reads as `stop`.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export const finishReasonTable: ReadonlyArray<readonly [OpenAIChatFinishReason, FinishReason['unified']]> = [
  ['stop', 'stop'],
  ['length', 'length'],
  ['tool_calls', 'tool-calls'],
  ['content_filter', 'content-filter'],
  ['function_call', 'tool-calls'],
  ['stop', 'pause'],
]

/** Chat `finish_reason` → neutral finish reason, the wire value kept in `raw`. */
export function decodeFinishReason(finishReason: string | null | undefined): FinishReason {
  const row = finishReasonTable.find(([wire]) => wire === finishReason)
  return { unified: row?.[1] ?? 'other', raw: finishReason ?? null }
}

/**
 * Neutral finish reason → Chat `finish_reason`. An ordinary end is `tool_calls` whenever a tool call was emitted
 * (edge 23): OpenAI's own SDK helpers run tools only on that word.
 */
export function encodeFinishReason(finish: FinishReason, context: { sawToolCall: boolean }): OpenAIChatFinishReason {
  const unified = finish.unified
  if (context.sawToolCall && unified !== 'length' && unified !== 'content-filter') return 'tool_calls'
  const row = finishReasonTable.find(([wire, mapped]) => mapped === unified && wire !== 'tool_calls' && wire !== 'function_call')
  // `error` and `other` have no Chat word; an ordinary end is the least surprising for a client.
  return row?.[0] ?? 'stop'
}
