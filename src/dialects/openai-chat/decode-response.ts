import type { CanonicalResponse, ContentPart } from '../../core/canonical.ts'
import { decodeFinishReason } from './finish-reason.ts'
import { decodeUsage } from './usage.ts'
import { arrayOf, isRecord, recordOf, stringOf } from './wire.ts'

/*
 * A whole chat completion → canonical response (WIRE.md §2.4, C → A). Only `choices[0]` counts. Parts come in the
 * order every other dialect wants them: reasoning, then text, then tool calls.
 */

/** Decodes a chat completion body. A choice without a usable message decodes to no content. */
export function decodeResponse(body: unknown): CanonicalResponse {
  const completion = recordOf(body)
  const id = stringOf(completion.id) ?? ''
  const choice = recordOf(arrayOf(completion.choices)[0])
  const message = recordOf(choice.message)
  const content: ContentPart[] = []
  const reasoning = reasoningText(message)
  if (reasoning !== '') content.push({ type: 'reasoning', text: reasoning })
  const text = stringOf(message.content) ?? arrayOf(message.content).map((part) => stringOf(recordOf(part).text) ?? '').join('')
  if (text !== '') content.push({ type: 'text', text })
  const refusal = stringOf(message.refusal) ?? ''
  if (refusal !== '') content.push({ type: 'text', text: refusal })
  const calls = arrayOf(message.tool_calls).map(recordOf)
  if (isRecord(message.function_call)) calls.push({ function: message.function_call })
  for (const [ordinal, call] of calls.entries()) {
    const fn = recordOf(call.function ?? call.custom)
    const args = call.type === 'custom' ? JSON.stringify({ input: stringOf(fn.input) ?? '' }) : (stringOf(fn.arguments) ?? '')
    content.push({ type: 'tool-call', id: stringOf(call.id) || fallbackToolCallId(id, ordinal), name: stringOf(fn.name) ?? '', arguments: args })
  }
  const finish = decodeFinishReason(stringOf(choice.finish_reason))
  // Tool calls are the truth, not the reason: Gemini, and OpenAI with a named tool, say "stop" (edge 23).
  if (calls.length > 0) finish.unified = 'tool-calls'
  else if (refusal !== '') finish.unified = 'content-filter'
  return { id, model: stringOf(completion.model) ?? '', content, finish, stopSequence: null, usage: decodeUsage(completion.usage) }
}

/**
 * Reasoning text from the third-party extensions (OpenAI itself never returns any on Chat): DeepSeek's
 * `reasoning_content`, OpenRouter's and vLLM's `reasoning`, or OpenRouter's `reasoning_details[].text`. Servers that
 * send several carry the same text in each, so the first present wins.
 */
export function reasoningText(message: Record<string, unknown>): string {
  const direct = stringOf(message.reasoning_content) ?? stringOf(message.reasoning)
  if (direct !== undefined) return direct
  return arrayOf(message.reasoning_details).map((detail) => stringOf(recordOf(detail).text) ?? '').join('')
}

/** A stable id for a tool call the upstream sent without one, unique within the completion it came in. */
export function fallbackToolCallId(completionId: string, ordinal: number): string {
  const stem = completionId.replace(/^chatcmpl-/, '').replace(/[^a-zA-Z0-9_-]/g, '')
  return `call_${stem === '' ? 'anvat' : stem}_${ordinal}`
}
