import type { Usage } from './usage.ts'

/*
 * The canonical form every translation goes through: neutral, not a copy of any one wire format (WIRE.md §0.2).
 * Decoders map a dialect's wire request, response or stream onto it; encoders map it onto another dialect. Fields
 * only one dialect has ride in `vendor.<dialect>`; an encoder for another dialect drops them and reports a Warning.
 */

/** Something an encoder could not carry into its dialect, shown to the client in `x-anvat-warnings`. */
export type Warning = { code: string; message: string }

export type CacheControl = { type: 'ephemeral'; ttl?: '5m' | '1h' }

export type MediaSource =
  | { kind: 'base64'; mediaType: string; data: string }
  | { kind: 'url'; url: string }
  | { kind: 'file'; fileId: string }

/** One piece of a message, in the order the conversation had it. */
export type ContentPart =
  | { type: 'text'; text: string; cacheControl?: CacheControl }
  | { type: 'image'; source: MediaSource; detail?: 'auto' | 'low' | 'high'; cacheControl?: CacheControl }
  | { type: 'document'; source: MediaSource | { kind: 'text'; text: string }; title?: string; filename?: string; cacheControl?: CacheControl }
  /** A tool call the model made; `arguments` is JSON text, as received or written. */
  | { type: 'tool-call'; id: string; name: string; arguments: string }
  /** The answer to a tool call; text and images in order. */
  | { type: 'tool-result'; toolCallId: string; content: Array<{ type: 'text'; text: string } | { type: 'image'; source: MediaSource }>; isError: boolean; cacheControl?: CacheControl }
  /** Model reasoning. `signature` is opaque and exact (Anthropic's, or Anvat's own `anvat-v1:` pack). */
  | { type: 'reasoning'; text: string; signature?: string }
  /** Reasoning the provider returned encrypted, to be sent back as it came. */
  | { type: 'redacted-reasoning'; data: string }

/** The parts that carry a model's reasoning, signed (or encrypted) by the provider that wrote them. */
export type ReasoningPart = Extract<ContentPart, { type: 'reasoning' | 'redacted-reasoning' }>

export type CanonicalMessage = { role: 'user' | 'assistant'; content: ContentPart[] }

export type CanonicalTool = { name: string; description?: string; parameters: Record<string, unknown>; strict?: boolean; cacheControl?: CacheControl }

export type ToolChoice =
  | { type: 'auto'; parallel?: boolean }
  | { type: 'required'; parallel?: boolean }
  | { type: 'none' }
  | { type: 'tool'; name: string; parallel?: boolean }

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max'

/** A request in canonical form. */
export type CanonicalRequest = {
  model: string
  /** System instructions, in order (Anthropic `system`, Chat system/developer messages, Responses `instructions`). */
  system: Array<{ text: string; cacheControl?: CacheControl }>
  messages: CanonicalMessage[]
  tools: CanonicalTool[]
  toolChoice?: ToolChoice
  maxOutputTokens?: number
  temperature?: number
  topP?: number
  topK?: number
  stopSequences?: string[]
  stream: boolean
  /** Reasoning wanted: an effort word, or a token budget (Anthropic `budget_tokens`), or off. */
  reasoning?: { enabled: false } | { enabled: true; effort?: ReasoningEffort; budgetTokens?: number }
  /** A stable end-user id (Anthropic `metadata.user_id`, OpenAI `safety_identifier`/`user`). */
  user?: string
  /** Structured output: a JSON schema the answer must follow, or any JSON object. */
  responseFormat?: { type: 'json-schema'; name: string; schema: Record<string, unknown>; strict?: boolean } | { type: 'json-object' }
  /** Fields only one dialect has, kept for an upstream of that dialect. */
  vendor: { anthropic?: Record<string, unknown>; openaiChat?: Record<string, unknown>; openaiResponses?: Record<string, unknown> }
}

/** Why generation stopped, neutral, with the wire value kept. */
export type FinishReason = {
  unified: 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'pause' | 'error' | 'other'
  raw: string | null
}

/** A whole response in canonical form: parts in order (reasoning, text, tool calls). */
export type CanonicalResponse = {
  id: string
  model: string
  content: ContentPart[]
  finish: FinishReason
  /** The stop sequence matched, when known. */
  stopSequence: string | null
  usage: Usage
}

/**
 * Stream events, noun-verb, each block keyed by a stable `index` in start order. `usage` is cumulative: a later one
 * overwrites an earlier one. A stream ends with `finish` (then nothing) or `error`.
 */
export type CanonicalStreamEvent =
  | { type: 'message-start'; id: string; model: string; usage?: Usage }
  | { type: 'text-start'; index: number }
  | { type: 'text-delta'; index: number; text: string }
  | { type: 'text-end'; index: number }
  | { type: 'reasoning-start'; index: number; redactedData?: string }
  | { type: 'reasoning-delta'; index: number; text: string }
  | { type: 'reasoning-end'; index: number; signature?: string }
  | { type: 'tool-call-start'; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; index: number; argumentsDelta: string }
  | { type: 'tool-call-end'; index: number }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason; stopSequence: string | null }
  | { type: 'error'; error: { status: number; type: string; message: string } }
