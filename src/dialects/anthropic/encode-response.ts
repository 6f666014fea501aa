import type { CanonicalResponse, ContentPart } from '../../core/canonical.ts'
import { clientToolUseId, isBlankText } from './encode-content.ts'
import { encodeFinishReason } from './finish-reason.ts'
import { parseToolInput } from './tool-input.ts'
import { encodeUsage } from './usage.ts'
import type { AnthropicContentBlock, AnthropicMessage } from './wire.ts'

/*
 * A canonical response → an Anthropic Messages response for an Anthropic-speaking client (WIRE.md §2.4): content in
 * Anthropic's order, thinking → text → tool_use; tool ids on Anthropic's pattern, so the client can send them back;
 * `stop_reason` by the one table; usage per WIRE.md §4.
 * @see https://docs.anthropic.com/en/api/messages#response
 */

/** The id and model the client sees. */
export type EncodeResponseOptions = {
  /** The `msg_…` id the client sees. */
  id: string
  /** The model id the client asked for. */
  model: string
}

/** Encodes a canonical response as an Anthropic Messages response body. */
export function encodeResponse(response: CanonicalResponse, options: EncodeResponseOptions): AnthropicMessage {
  const thinking: AnthropicContentBlock[] = []
  const text: AnthropicContentBlock[] = []
  const toolUse: AnthropicContentBlock[] = []
  for (const part of response.content) {
    if (part.type === 'reasoning') thinking.push({ type: 'thinking', thinking: part.text, signature: part.signature ?? '' })
    else if (part.type === 'redacted-reasoning') thinking.push({ type: 'redacted_thinking', data: part.data })
    else if (part.type === 'text' && !isBlankText(part.text)) text.push({ type: 'text', text: part.text })
    else if (part.type === 'tool-call') toolUse.push(encodeToolCall(part, options.id, toolUse.length))
  }
  const stopReason = encodeFinishReason(response.finish, { sawToolCall: toolUse.length > 0, stopSequence: response.stopSequence })
  return {
    id: options.id,
    type: 'message',
    role: 'assistant',
    model: options.model,
    content: [...thinking, ...text, ...toolUse],
    stop_reason: stopReason,
    stop_sequence: stopReason === 'stop_sequence' ? response.stopSequence : null,
    usage: encodeUsage(response.usage),
  }
}

function encodeToolCall(part: Extract<ContentPart, { type: 'tool-call' }>, messageId: string, position: number): AnthropicContentBlock {
  // Arguments that are not a JSON object are repaired, never passed on as a string (edge 21).
  const id = clientToolUseId(part.id, messageId, position)
  return { type: 'tool_use', id, name: part.name, input: parseToolInput(part.arguments).input }
}
