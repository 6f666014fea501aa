import type { CanonicalResponse, ReasoningPart } from '../../core/canonical.ts'
import { arrayOf, isRecord, numberOf, recordOf, stringOf } from '../../core/json-readers.ts'
import { encodeFinishReason } from './finish-reason.ts'
import { outputItemId, responseIdOf } from './item-id.ts'
import { packReasoningContent } from './reasoning-content.ts'
import { encodeUsage } from './usage.ts'
import type {
  OpenAIResponse,
  OpenAIResponseCustomToolCall,
  OpenAIResponseFunctionToolCall,
  OpenAIResponseOutputItem,
  OpenAIResponseOutputMessage,
  OpenAIResponseOutputText,
  OpenAIResponseReasoningItem,
} from './wire.ts'

/*
 * Canonical response → a whole Responses object (WIRE.md §3.2), and the pieces the stream encoder builds the same
 * objects from, so a streamed response ends with exactly what the whole one would have been. Items follow the
 * canonical content order: reasoning → `reasoning`, each run of text parts → one `message`, tool calls →
 * `function_call` (or `custom_tool_call` for the client's freeform tools).
 *
 * A run of text parts is one message with one `output_text` part per canonical text part, not one joined part: the
 * SDK's `output_text` reads the same either way, and the part boundaries (Anthropic splits text around citations)
 * survive a round trip when the client replays the message. Empty text parts are left out, as the stream encoder
 * opens a part only at the first text (an empty block replayed to Anthropic is a 400, edge 1).
 */

/** What both encoders stamp on a response. */
export type EncodeResponseOptions = {
  /** From `newResponseKey()`: the response id is `responseIdOf(key)`, item ids `outputItemId(key, kind, outputIndex)`. */
  responseKey: string
  /** Unix seconds. */
  createdAt: number
  /** The model id the client asked for, echoed. */
  model: string
  /** The client's request body: its parameters are echoed in the response object, as the API does. */
  request: Record<string, unknown>
  /** Pack reasoning into `encrypted_content`: the client sent `include:["reasoning.encrypted_content"]` or `store:false`. */
  includeEncryptedReasoning: boolean
  /** Names of the client's `custom` (freeform) tools: their calls are `custom_tool_call` items. */
  customToolNames: ReadonlySet<string>
}

/** The fields of a response object that change while it is written; the rest comes from the options. */
export type ResponseProgress = Pick<OpenAIResponse, 'status' | 'error' | 'incomplete_details' | 'output' | 'usage'>

/** `error.message` of a response whose upstream stopped with an error finish reason. */
export const stoppedWithErrorMessage = 'The upstream model stopped with an error'

/** Encodes a canonical response as a Responses object. */
export function encodeResponse(response: CanonicalResponse, options: EncodeResponseOptions): OpenAIResponse {
  const ending = encodeFinishReason(response.finish)
  const output: OpenAIResponseOutputItem[] = []
  let message: OpenAIResponseOutputMessage | undefined
  for (const part of response.content) {
    if (part.type === 'text') {
      if (part.text === '') continue
      if (message === undefined) {
        message = newMessageItem(options.responseKey, output.length)
        output.push(message)
      }
      message.content.push(outputText(part.text))
      continue
    }
    if (part.type === 'reasoning' || part.type === 'redacted-reasoning') {
      message = closeMessage(message)
      const item = newReasoningItem(options.responseKey, output.length)
      if (part.type === 'reasoning' && part.text !== '') item.summary.push({ type: 'summary_text', text: part.text })
      setEncryptedContent(item, part, options)
      output.push(item)
    } else if (part.type === 'tool-call') {
      message = closeMessage(message)
      const item = newToolCallItem(options, output.length, part)
      if (item.type === 'function_call') item.arguments = functionArguments(part.arguments)
      else item.input = customToolInput(part.arguments)
      item.status = toolCallStatus(part.arguments)
      output.push(item)
    }
    // Images, documents and tool results never come back in an answer; there is no output item for them.
  }
  // An answer cut off (or failed) while writing its last message: the API marks that item incomplete too.
  if (message !== undefined) message.status = ending.status === 'completed' ? 'completed' : 'incomplete'
  const error = ending.status === 'failed' ? { code: 'server_error', message: stoppedWithErrorMessage } : null
  return responseObject(options, { ...ending, error, output, usage: encodeUsage(response.usage) })
}

function closeMessage(message: OpenAIResponseOutputMessage | undefined): undefined {
  if (message !== undefined) message.status = 'completed'
  return undefined
}

/**
 * A response object: what changes as it is written, and the request's parameters echoed with the API's defaults
 * where the client left one out. `background` is always false: Anvat answers in the foreground whatever was asked.
 * @see https://platform.openai.com/docs/api-reference/responses/object
 */
export function responseObject(options: EncodeResponseOptions, progress: ResponseProgress): OpenAIResponse {
  const request = options.request
  const reasoning = recordOf(request.reasoning)
  const text = recordOf(request.text)
  return {
    id: responseIdOf(options.responseKey),
    object: 'response',
    created_at: options.createdAt,
    status: progress.status,
    background: false,
    error: progress.error,
    incomplete_details: progress.incomplete_details,
    instructions: request.instructions ?? null,
    max_output_tokens: numberOf(request.max_output_tokens) ?? null,
    max_tool_calls: numberOf(request.max_tool_calls) ?? null,
    model: options.model,
    output: progress.output,
    parallel_tool_calls: typeof request.parallel_tool_calls === 'boolean' ? request.parallel_tool_calls : true,
    previous_response_id: stringOf(request.previous_response_id) ?? null,
    prompt_cache_key: stringOf(request.prompt_cache_key) ?? null,
    reasoning: { effort: stringOf(reasoning.effort) ?? null, summary: stringOf(reasoning.summary) ?? null },
    safety_identifier: stringOf(request.safety_identifier) ?? null,
    service_tier: 'default',
    store: typeof request.store === 'boolean' ? request.store : true,
    temperature: numberOf(request.temperature) ?? 1,
    text: { format: isRecord(text.format) ? text.format : { type: 'text' }, verbosity: stringOf(text.verbosity) ?? 'medium' },
    tool_choice: request.tool_choice ?? 'auto',
    tools: arrayOf(request.tools),
    top_logprobs: numberOf(request.top_logprobs) ?? 0,
    top_p: numberOf(request.top_p) ?? 1,
    truncation: stringOf(request.truncation) ?? 'disabled',
    usage: progress.usage,
    user: stringOf(request.user) ?? null,
    metadata: recordOf(request.metadata),
  }
}

/** A message item with no parts yet, in progress. */
export function newMessageItem(responseKey: string, outputIndex: number): OpenAIResponseOutputMessage {
  return { id: outputItemId(responseKey, 'message', outputIndex), type: 'message', status: 'in_progress', content: [], role: 'assistant' }
}

export function outputText(text: string): OpenAIResponseOutputText {
  return { type: 'output_text', text, annotations: [], logprobs: [] }
}

/** A reasoning item with an empty summary. */
export function newReasoningItem(responseKey: string, outputIndex: number): OpenAIResponseReasoningItem {
  return { id: outputItemId(responseKey, 'reasoning', outputIndex), type: 'reasoning', summary: [] }
}

/**
 * Packs the block into `encrypted_content` when the client asked for it. Otherwise the key is left out, as the API
 * does; so is it for thinking without a signature, which could never be replayed.
 */
export function setEncryptedContent(item: OpenAIResponseReasoningItem, part: ReasoningPart, options: EncodeResponseOptions): void {
  const packed = options.includeEncryptedReasoning ? packReasoningContent(part) : undefined
  if (packed !== undefined) item.encrypted_content = packed
}

/** The item for a tool call, still empty and in progress: a `custom_tool_call` for the client's freeform tools. */
export function newToolCallItem(
  options: EncodeResponseOptions,
  outputIndex: number,
  call: { id: string; name: string },
): OpenAIResponseFunctionToolCall | OpenAIResponseCustomToolCall {
  if (options.customToolNames.has(call.name)) {
    const id = outputItemId(options.responseKey, 'custom_tool_call', outputIndex)
    return { id, type: 'custom_tool_call', status: 'in_progress', call_id: call.id, input: '', name: call.name }
  }
  const id = outputItemId(options.responseKey, 'function_call', outputIndex)
  return { id, type: 'function_call', status: 'in_progress', arguments: '', call_id: call.id, name: call.name }
}

/**
 * A call's JSON arguments as the client gets them: leading whitespace dropped (the stream cannot know a blank start
 * is not all there is), and `{}` for a call without any, since clients JSON.parse them (edge 21).
 */
/**
 * A tool call is finished when its arguments are whole JSON: one cut off by `max_tokens` has a torn text, and must not
 * read as a call the client can run (the Anthropic decoder closes every block before the finish, so the finish
 * reason alone cannot tell). No arguments at all are the empty object, as `functionArguments` writes them.
 */
export function toolCallStatus(argumentsText: string): 'completed' | 'incomplete' {
  if (argumentsText.trim() === '') return 'completed'
  try {
    JSON.parse(argumentsText)
    return 'completed'
  } catch {
    return 'incomplete'
  }
}

export function functionArguments(argumentsText: string): string {
  const trimmed = argumentsText.trimStart()
  return trimmed === '' ? '{}' : trimmed
}

/**
 * The freeform input of a custom tool call. Upstreams only know JSON tools, so a custom tool goes up wrapped as
 * `{input: string}` (WIRE.md §3.1) and its call comes back as `{"input": "…"}`; anything else the model wrote is
 * passed on as it is rather than lost.
 */
export function customToolInput(argumentsText: string): string {
  let parsed: unknown
  try {
    parsed = JSON.parse(argumentsText)
  } catch {
    // Not JSON (cut short, or the model ignored the schema): the text itself is the best input there is.
    return argumentsText
  }
  const input = recordOf(parsed).input
  return typeof input === 'string' ? input : argumentsText
}
