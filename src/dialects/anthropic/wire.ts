/*
 * The Anthropic Messages shapes the translation codecs read and write, named as in the API reference, and small
 * readers for fields of bodies whose envelope the route schema checked but whose blocks it let through untouched.
 * @see https://docs.anthropic.com/en/api/messages
 */

/** A prompt-cache breakpoint. */
export type AnthropicCacheControl = { type: 'ephemeral'; ttl?: '5m' | '1h' }

/** Where an image or document comes from. */
export type AnthropicMediaSource =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string }
  | { type: 'file'; file_id: string }

/** A text block; its text must not be blank. */
export type AnthropicTextBlockParam = { type: 'text'; text: string; cache_control?: AnthropicCacheControl }
/** An image block (user turns and tool results only). */
export type AnthropicImageBlockParam = { type: 'image'; source: AnthropicMediaSource; cache_control?: AnthropicCacheControl }
/** A document block: a PDF or plain text. */
export type AnthropicDocumentBlockParam = {
  type: 'document'
  source: AnthropicMediaSource | { type: 'text'; media_type: 'text/plain'; data: string }
  title?: string
  cache_control?: AnthropicCacheControl
}
/** A tool call the model made; `input` is always an object. */
export type AnthropicToolUseBlockParam = { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
/** The answer to a tool call, first in its user turn. */
export type AnthropicToolResultBlockParam = {
  type: 'tool_result'
  tool_use_id: string
  content?: Array<AnthropicTextBlockParam | AnthropicImageBlockParam>
  is_error?: boolean
  cache_control?: AnthropicCacheControl
}
/** Thinking, with the signature Anthropic checks byte for byte. */
export type AnthropicThinkingBlockParam = { type: 'thinking'; thinking: string; signature: string }
/** Thinking Anthropic returned encrypted. */
export type AnthropicRedactedThinkingBlockParam = { type: 'redacted_thinking'; data: string }

/** A message content block as the translation codecs write it. */
export type AnthropicBlockParam =
  | AnthropicTextBlockParam
  | AnthropicImageBlockParam
  | AnthropicDocumentBlockParam
  | AnthropicToolUseBlockParam
  | AnthropicToolResultBlockParam
  | AnthropicThinkingBlockParam
  | AnthropicRedactedThinkingBlockParam

/** One turn of `messages`. */
export type AnthropicTurnParam = { role: 'user' | 'assistant'; content: AnthropicBlockParam[] }

/** Why generation stopped. */
export type AnthropicStopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded'

/** `usage` as Anvat renders it (WIRE.md §4). */
export type AnthropicUsage = {
  input_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number }
  output_tokens: number
  output_tokens_details?: { thinking_tokens: number }
}

/** A response content block as the translation codecs write it. */
export type AnthropicContentBlock =
  | { type: 'text'; text: string }
  | AnthropicThinkingBlockParam
  | AnthropicRedactedThinkingBlockParam
  | AnthropicToolUseBlockParam

/** A whole Messages response. */
export type AnthropicMessage = {
  id: string
  type: 'message'
  role: 'assistant'
  model: string
  content: AnthropicContentBlock[]
  stop_reason: AnthropicStopReason
  stop_sequence: string | null
  usage: AnthropicUsage
}

/** One stream event as the stream encoder writes it: `event:` name and JSON `data:`. */
export type AnthropicSseFrame = { event: string; data: string }

export { arrayOf, isRecord, numberOf, recordOf, stringOf } from '../../core/json-readers.ts'
