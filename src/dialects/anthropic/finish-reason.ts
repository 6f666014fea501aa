import type { FinishReason } from '../../core/canonical.ts'
import type { AnthropicStopReason } from './wire.ts'

/**
 * Anthropic `stop_reason` ⇄ the neutral finish reason (WIRE.md §2.5, edge 24). Read both ways: decoding looks a
 * value up, encoding takes the first row whose unified reason matches, so the order of rows is the preference.
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 */
export const stopReasonTable: ReadonlyArray<readonly [AnthropicStopReason, FinishReason['unified']]> = [
  ['end_turn', 'stop'],
  ['max_tokens', 'length'],
  ['tool_use', 'tool-calls'],
  ['refusal', 'content-filter'],
  ['pause_turn', 'pause'],
  ['stop_sequence', 'stop'],
  ['model_context_window_exceeded', 'length'],
]

/** Anthropic `stop_reason` → neutral finish reason, the wire value kept in `raw`. */
export function decodeFinishReason(stopReason: string | null | undefined): FinishReason {
  const row = stopReasonTable.find(([wire]) => wire === stopReason)
  return { unified: row?.[1] ?? 'other', raw: stopReason ?? null }
}

/**
 * Neutral finish reason → Anthropic `stop_reason`. An Anthropic raw value that still means the same is kept; a stop
 * is `tool_use` whenever a tool call was emitted (edge 23), and `stop_sequence` when the matched sequence is known.
 */
export function encodeFinishReason(finish: FinishReason, context: { sawToolCall: boolean; stopSequence: string | null }): AnthropicStopReason {
  const unified = finish.unified
  // Gemini and OpenAI (with a named tool) say "stop" after tool calls: the calls are the truth, not the reason.
  if (context.sawToolCall && (unified === 'stop' || unified === 'other' || unified === 'tool-calls')) return 'tool_use'
  const raw = stopReasonTable.find(([wire, mapped]) => wire === finish.raw && mapped === unified)
  if (raw !== undefined && raw[0] !== 'tool_use') return raw[0]
  if (unified === 'stop' && context.stopSequence !== null) return 'stop_sequence'
  const row = stopReasonTable.find(([wire, mapped]) => mapped === unified && wire !== 'tool_use')
  // `error` and `other` have no Anthropic word; an ordinary end is the least surprising for a client.
  return row?.[0] ?? 'end_turn'
}
