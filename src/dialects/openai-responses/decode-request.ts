import type { CanonicalRequest, ReasoningEffort, Warning } from '../../core/canonical.ts'
import { isRecord, numberOf, recordOf, stringOf } from '../../core/json-readers.ts'
import type { TranslationFailure } from '../openai-chat/decode-request.ts'
import { decodeInput } from './decode-input.ts'
import { decodeTools } from './decode-tools.ts'

/*
 * Responses request → canonical request (WIRE.md §1.4, §3.1). Pure: the route expands `previous_response_id` and
 * `item_reference`s from its response store first. What the canonical form cannot carry is dropped with a Warning
 * (`text.verbosity`), kept for a Responses upstream (gateway-level fields), or refused with a TranslationFailure
 * naming the field, which the route answers with a 400 (built-in tools, server-side state Anvat does not keep).
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */

export type { TranslationFailure } from '../openai-chat/decode-request.ts'

/** A decoded request, what was dropped on the way and the custom tools' names, or the field that cannot be translated. */
export type DecodeRequestResult = { request: CanonicalRequest; warnings: Warning[]; customToolNames: Set<string> } | { error: TranslationFailure }

/** What only a Responses client says, kept in `vendor.openaiResponses`: fields a Responses upstream takes as they are. */
export type OpenAIResponsesVendorFields = { relayed?: Record<string, unknown> }

/**
 * Fields a Responses upstream would take unchanged; other encoders drop them, with a warning. `store`, `include`,
 * `stream_options` and `previous_response_id` are not among them: the gateway honours those itself for every model.
 */
const relayedFields = [
  'prompt_cache_key',
  'prompt_cache_retention',
  'truncation',
  'metadata',
  'service_tier',
  'top_logprobs',
  'max_tool_calls',
]

const efforts: readonly ReasoningEffort[] = ['minimal', 'low', 'medium', 'high', 'xhigh', 'max']

/** Decodes a Responses request body whose envelope the route schema has checked. */
export function decodeRequest(body: Record<string, unknown>): DecodeRequestResult {
  const refused = refuseServerState(body)
  if (refused !== undefined) return { error: refused }
  const tools = decodeTools(body)
  if ('error' in tools) return tools
  const warnings: Warning[] = []
  const input = decodeInput(body.input, warnings)
  if ('error' in input) return input
  const instructions = stringOf(body.instructions)
  const request: CanonicalRequest = {
    model: stringOf(body.model) ?? '',
    system: [...(instructions === undefined || instructions.trim() === '' ? [] : [{ text: instructions }]), ...input.system],
    messages: input.messages,
    tools: tools.tools,
    stream: body.stream === true,
    vendor: { openaiResponses: vendorFields(body) },
  }
  if (tools.toolChoice !== undefined) request.toolChoice = tools.toolChoice
  const maxOutputTokens = numberOf(body.max_output_tokens)
  if (maxOutputTokens !== undefined) request.maxOutputTokens = maxOutputTokens
  const temperature = numberOf(body.temperature)
  if (temperature !== undefined) request.temperature = temperature
  const topP = numberOf(body.top_p)
  if (topP !== undefined) request.topP = topP
  const reasoning = decodeReasoning(recordOf(body.reasoning).effort, warnings)
  if (reasoning !== undefined) request.reasoning = reasoning
  const user = stringOf(body.safety_identifier) ?? stringOf(body.user)
  if (user !== undefined) request.user = user
  const text = recordOf(body.text)
  const responseFormat = decodeResponseFormat(recordOf(text.format))
  if (responseFormat !== undefined) request.responseFormat = responseFormat
  if (text.verbosity !== undefined && text.verbosity !== null) {
    warnings.push({ code: 'dropped_field', message: "text.verbosity: no equivalent in the upstream's API; dropped" })
  }
  return { request, warnings, customToolNames: tools.customToolNames }
}

/** State OpenAI keeps on its side and Anvat does not: refused rather than silently ignored. */
function refuseServerState(body: Record<string, unknown>): TranslationFailure | undefined {
  if (body.background === true) return { param: 'background', message: 'Background mode is not supported for this model.' }
  if (body.conversation !== undefined && body.conversation !== null) {
    return { param: 'conversation', message: 'Conversations are not supported for this model: send the items in input, or chain with previous_response_id.' }
  }
  if (body.prompt !== undefined && body.prompt !== null) {
    return { param: 'prompt', message: 'Reusable prompts are not supported for this model: send instructions and input instead.' }
  }
  return undefined
}

function vendorFields(body: Record<string, unknown>): OpenAIResponsesVendorFields {
  const relayed = Object.fromEntries(relayedFields.filter((field) => body[field] !== undefined && body[field] !== null).map((field) => [field, body[field]]))
  return Object.keys(relayed).length > 0 ? { relayed } : {}
}

/**
 * `reasoning.effort`: `none` turns reasoning off; the effort words carry over; anything else is dropped.
 * `reasoning.summary` needs nothing: translated responses always summarise the thinking they carry.
 */
function decodeReasoning(value: unknown, warnings: Warning[]): CanonicalRequest['reasoning'] {
  if (value === undefined || value === null) return undefined
  if (value === 'none') return { enabled: false }
  const effort = efforts.find((word) => word === value)
  if (effort !== undefined) return { enabled: true, effort }
  warnings.push({ code: 'dropped_field', message: `reasoning.effort: unknown value ${JSON.stringify(value)}; dropped` })
  return undefined
}

/** `text.format`: a JSON schema or any JSON object; `text` means no constraint. */
function decodeResponseFormat(format: Record<string, unknown>): CanonicalRequest['responseFormat'] {
  if (format.type === 'json_object') return { type: 'json-object' }
  if (format.type !== 'json_schema') return undefined
  const schema = { type: 'json-schema' as const, name: stringOf(format.name) ?? 'output', schema: isRecord(format.schema) ? format.schema : {} }
  return typeof format.strict === 'boolean' ? { ...schema, strict: format.strict } : schema
}
