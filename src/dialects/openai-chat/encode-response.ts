import type { CanonicalResponse } from '../../core/canonical.ts'
import { encodeFinishReason } from './finish-reason.ts'
import { originalToolName, type ToolNameMap } from './tool-name.ts'
import { encodeUsage } from './usage.ts'
import type { OpenAIChatCompletion, OpenAIChatToolCall } from './wire.ts'

/*
 * Canonical response → a whole chat completion (WIRE.md §2.4, A → C). Text parts are joined into one `content`, tool
 * calls keep the names the client declared, and reasoning is shown only where enabled (it is not standard Chat).
 */

/** The client-facing id (`chatcmpl-…`), creation time in Unix seconds and model id, and the names to map back. */
export type EncodeResponseOptions = {
  id: string
  created: number
  model: string
  toolNames: ToolNameMap
  /** Relay reasoning as the non-standard `reasoning_content` (WIRE.md §2.3). */
  reasoningContent?: boolean
}

/** Encodes a canonical response as a chat completion. */
export function encodeResponse(response: CanonicalResponse, options: EncodeResponseOptions): OpenAIChatCompletion {
  const text = response.content.map((part) => (part.type === 'text' ? part.text : '')).join('')
  const reasoning = response.content.map((part) => (part.type === 'reasoning' ? part.text : '')).join('')
  const toolCalls: OpenAIChatToolCall[] = []
  for (const part of response.content) {
    if (part.type !== 'tool-call') continue
    // A call without parameters may arrive with empty arguments; Chat clients JSON.parse them.
    const args = part.arguments.trim() === '' ? '{}' : part.arguments
    toolCalls.push({ id: part.id, type: 'function', function: { name: originalToolName(options.toolNames, part.name), arguments: args } })
  }
  const message: OpenAIChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
    annotations: [],
  }
  if (toolCalls.length > 0) message.tool_calls = toolCalls
  if (options.reasoningContent === true && reasoning !== '') message.reasoning_content = reasoning
  return {
    id: options.id,
    object: 'chat.completion',
    created: options.created,
    model: options.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: encodeFinishReason(response.finish, { sawToolCall: toolCalls.length > 0 }) }],
    usage: encodeUsage(response.usage),
  }
}
