/*
 * The Responses shapes the translation encoders write, named as in the API reference and in openai-node's
 * `resources/responses/responses.d.ts` (`Response` → `OpenAIResponse`, `ResponseOutputMessage` →
 * `OpenAIResponseOutputMessage`, …). Only the variants Anvat writes are here; the SDK's unions are wider.
 * @see https://platform.openai.com/docs/api-reference/responses/object
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */

/** `status` of a response; the encoders write the first four. */
export type OpenAIResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'queued' | 'cancelled'

/** `status` of an output item. */
export type OpenAIResponseItemStatus = 'in_progress' | 'completed' | 'incomplete'

export type OpenAIResponseIncompleteDetails = { reason: 'max_output_tokens' | 'content_filter' }

/** `error` of a failed response: a code from OpenAI's list (`server_error`, `rate_limit_exceeded`, …) and a message. */
export type OpenAIResponseError = { code: string; message: string }

/** `usage` as Anvat renders it (WIRE.md §4): input includes cached tokens, output includes reasoning. */
export type OpenAIResponseUsage = {
  input_tokens: number
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number }
  output_tokens: number
  output_tokens_details: { reasoning_tokens: number }
  total_tokens: number
}

/** An `output_text` content part; Anvat has no annotations or logprobs to give, so both are always empty. */
export type OpenAIResponseOutputText = { type: 'output_text'; text: string; annotations: []; logprobs: [] }

export type OpenAIResponseOutputMessage = {
  id: string
  type: 'message'
  status: OpenAIResponseItemStatus
  content: OpenAIResponseOutputText[]
  role: 'assistant'
}

export type OpenAIResponseReasoningSummary = { type: 'summary_text'; text: string }

/** A reasoning item; `encrypted_content` only when the client asked for it. */
export type OpenAIResponseReasoningItem = {
  id: string
  type: 'reasoning'
  summary: OpenAIResponseReasoningSummary[]
  encrypted_content?: string
}

/** A function call: `id` is the item's (`fc_…`), `call_id` the one the client answers with. */
export type OpenAIResponseFunctionToolCall = {
  id: string
  type: 'function_call'
  status: OpenAIResponseItemStatus
  arguments: string
  call_id: string
  name: string
}

/** A call of a freeform (`custom`) tool: its `input` is plain text, not JSON. */
export type OpenAIResponseCustomToolCall = {
  id: string
  type: 'custom_tool_call'
  status: OpenAIResponseItemStatus
  call_id: string
  input: string
  name: string
}

export type OpenAIResponseOutputItem =
  | OpenAIResponseOutputMessage
  | OpenAIResponseReasoningItem
  | OpenAIResponseFunctionToolCall
  | OpenAIResponseCustomToolCall

/** A whole response object, request parameters echoed as the API does. */
export type OpenAIResponse = {
  id: string
  object: 'response'
  created_at: number
  status: OpenAIResponseStatus
  background: boolean
  error: OpenAIResponseError | null
  incomplete_details: OpenAIResponseIncompleteDetails | null
  instructions: unknown
  max_output_tokens: number | null
  max_tool_calls: number | null
  model: string
  output: OpenAIResponseOutputItem[]
  parallel_tool_calls: boolean
  previous_response_id: string | null
  prompt_cache_key: string | null
  reasoning: { effort: string | null; summary: string | null }
  safety_identifier: string | null
  service_tier: 'default'
  store: boolean
  temperature: number
  text: Record<string, unknown>
  tool_choice: unknown
  tools: unknown[]
  top_logprobs: number
  top_p: number
  truncation: string
  usage: OpenAIResponseUsage | null
  user: string | null
  metadata: Record<string, unknown>
}

type ItemRef = { item_id: string; output_index: number }
type Lifecycle<Type extends string> = { type: Type; response: OpenAIResponse }

/** The stream events the encoder writes, each numbered by `sequence_number` from 0. */
export type OpenAIResponseStreamEvent = { sequence_number: number } & (
  | Lifecycle<'response.created' | 'response.in_progress' | 'response.completed' | 'response.incomplete' | 'response.failed'>
  | { type: 'response.output_item.added' | 'response.output_item.done'; output_index: number; item: OpenAIResponseOutputItem }
  | ({ type: 'response.content_part.added' | 'response.content_part.done'; content_index: number; part: OpenAIResponseOutputText } & ItemRef)
  | ({ type: 'response.output_text.delta'; content_index: number; delta: string; logprobs: [] } & ItemRef)
  | ({ type: 'response.output_text.done'; content_index: number; text: string; logprobs: [] } & ItemRef)
  | ({ type: 'response.reasoning_summary_part.added' | 'response.reasoning_summary_part.done'; summary_index: number; part: OpenAIResponseReasoningSummary } & ItemRef)
  | ({ type: 'response.reasoning_summary_text.delta'; summary_index: number; delta: string } & ItemRef)
  | ({ type: 'response.reasoning_summary_text.done'; summary_index: number; text: string } & ItemRef)
  | ({ type: 'response.function_call_arguments.delta'; delta: string } & ItemRef)
  | ({ type: 'response.function_call_arguments.done'; name: string; arguments: string } & ItemRef)
  | ({ type: 'response.custom_tool_call_input.delta'; delta: string } & ItemRef)
  | ({ type: 'response.custom_tool_call_input.done'; input: string } & ItemRef)
  | { type: 'error'; code: string | null; message: string; param: string | null }
)

/** One SSE frame to write: Responses streams name every event (`event:` = the payload's `type`). */
export type OpenAIResponseSseFrame = { event: string; data: string }
