/*
 * The Chat Completions shapes the translation codecs write, named as in the API reference, and small readers for
 * fields of bodies whose envelope the route schema checked but whose parts it let through untouched.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */

/** A user content part as the request encoder writes it. */
export type OpenAIChatContentPartParam =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } }
  | { type: 'file'; file: { file_data?: string; file_id?: string; filename?: string } }

/** A tool call in an assistant message or a response. */
export type OpenAIChatToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } }

/** A message as the request encoder writes it. */
export type OpenAIChatMessageParam =
  | { role: 'system' | 'developer'; content: string }
  | { role: 'user'; content: string | OpenAIChatContentPartParam[] }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAIChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string }

/** A function tool declaration. */
export type OpenAIChatToolParam = {
  type: 'function'
  function: { name: string; description?: string; parameters: Record<string, unknown>; strict?: boolean }
}

/** `tool_choice` as the request encoder writes it. */
export type OpenAIChatToolChoiceParam = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } }

/** `reasoning_effort` words; which ones a model takes varies. */
export type OpenAIChatReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh'

/** `response_format` for structured output. */
export type OpenAIChatResponseFormatParam =
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean } }

/** A request body as the request encoder writes it; fields relayed from a Chat client ride along untyped. */
export type OpenAIChatCompletionRequestBody = {
  model: string
  messages: OpenAIChatMessageParam[]
  max_completion_tokens?: number
  max_tokens?: number
  temperature?: number
  top_p?: number
  stop?: string[]
  stream?: true
  stream_options?: { include_usage: true }
  tools?: OpenAIChatToolParam[]
  tool_choice?: OpenAIChatToolChoiceParam
  parallel_tool_calls?: false
  reasoning_effort?: OpenAIChatReasoningEffort
  response_format?: OpenAIChatResponseFormatParam
  safety_identifier?: string
  [relayed: string]: unknown
}

/** `finish_reason` words; `function_call` is the legacy one. */
export type OpenAIChatFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call'

/** `usage` as Anvat renders it (WIRE.md §4). */
export type OpenAIChatUsage = {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details: { cached_tokens: number }
  completion_tokens_details: { reasoning_tokens: number }
}

/** A whole chat completion as the response encoder writes it. */
export type OpenAIChatCompletion = {
  id: string
  object: 'chat.completion'
  created: number
  model: string
  choices: Array<{
    index: 0
    message: {
      role: 'assistant'
      content: string | null
      refusal: null
      tool_calls?: OpenAIChatToolCall[]
      reasoning_content?: string
      annotations: []
    }
    logprobs: null
    finish_reason: OpenAIChatFinishReason
  }>
  usage: OpenAIChatUsage
}

/** The `delta` of a stream chunk as the stream encoder writes it. */
export type OpenAIChatChunkDelta = {
  role?: 'assistant'
  content?: string
  reasoning_content?: string
  tool_calls?: Array<{ index: number; id?: string; type?: 'function'; function: { name?: string; arguments: string } }>
}

/** One stream chunk as the stream encoder writes it. */
export type OpenAIChatCompletionChunk = {
  id: string
  object: 'chat.completion.chunk'
  created: number
  model: string
  choices: Array<{ index: 0; delta: OpenAIChatChunkDelta; logprobs: null; finish_reason: OpenAIChatFinishReason | null }>
  usage?: OpenAIChatUsage | null
}

export { arrayOf, isRecord, numberOf, recordOf, stringOf } from '../../core/json-readers.ts'
