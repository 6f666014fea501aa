import type { CanonicalRequest, CanonicalTool, ReasoningEffort, ToolChoice, Warning } from '../../core/canonical.ts'
import { decodeMessages } from './decode-messages.ts'
import type { OpenAIChatCompletionCreateParams } from './schema.ts'
import { arrayOf, isRecord, numberOf, recordOf, stringOf } from './wire.ts'

/*
 * Chat Completions request → canonical request (WIRE.md §2.2). Pure: what the canonical form cannot carry is either
 * dropped with a Warning (sampling extras) or refused with a TranslationFailure naming the field (n > 1, audio input),
 * which the route answers with a 400.
 */

/** A request field no translation can carry: the route answers 400 with `param` and `message`. */
export type TranslationFailure = { param: string; message: string }

/** A decoded request and what was dropped on the way, or the field that cannot be translated. */
export type DecodeRequestResult = { request: CanonicalRequest; warnings: Warning[] } | { error: TranslationFailure }

/** What only a Chat client says, kept in `vendor.openaiChat`: its stream usage wish and fields a Chat upstream takes as they are. */
export type OpenAIChatVendorFields = { includeUsage?: boolean; relayed?: Record<string, unknown> }

/** Sampling and output controls with no canonical equivalent: dropped, each with a Warning. */
const droppedFields = ['seed', 'logit_bias', 'frequency_penalty', 'presence_penalty', 'logprobs', 'top_logprobs', 'prediction', 'audio', 'web_search_options']

/** Chat-only fields a Chat upstream would take unchanged; other encoders drop them. */
const relayedFields = ['prompt_cache_key', 'prompt_cache_retention', 'service_tier', 'store', 'metadata', 'verbosity']

const efforts: readonly ReasoningEffort[] = ['minimal', 'low', 'medium', 'high', 'xhigh', 'max']

/** Decodes a Chat Completions request body whose envelope the route schema has checked. */
export function decodeRequest(body: OpenAIChatCompletionCreateParams): DecodeRequestResult {
  const raw: Record<string, unknown> = body
  if ((numberOf(raw.n) ?? 1) > 1) return { error: { param: 'n', message: 'n > 1 cannot be translated: this model returns one choice' } }
  const warnings: Warning[] = []
  const decoded = decodeMessages(arrayOf(raw.messages), warnings)
  if ('error' in decoded) return decoded
  for (const field of droppedFields) {
    const value = raw[field]
    if (value !== undefined && value !== null && value !== false) {
      warnings.push({ code: 'dropped_field', message: `${field}: no equivalent in the upstream's API; dropped` })
    }
  }
  const declared = decodeTools(raw, warnings)
  const { tools, toolChoice } = decodeToolChoice(raw, declared)
  const request: CanonicalRequest = {
    model: stringOf(raw.model) ?? '',
    system: decoded.system,
    messages: decoded.messages,
    tools,
    stream: raw.stream === true,
    vendor: { openaiChat: vendorFields(raw) },
  }
  const maxOutputTokens = numberOf(raw.max_completion_tokens) ?? numberOf(raw.max_tokens)
  if (maxOutputTokens !== undefined) request.maxOutputTokens = maxOutputTokens
  if (toolChoice !== undefined) request.toolChoice = toolChoice
  const temperature = numberOf(raw.temperature)
  if (temperature !== undefined) request.temperature = temperature
  const topP = numberOf(raw.top_p)
  if (topP !== undefined) request.topP = topP
  const stop = typeof raw.stop === 'string' ? [raw.stop] : arrayOf(raw.stop).filter((value) => typeof value === 'string')
  if (stop.length > 0) request.stopSequences = stop
  const reasoning = decodeReasoning(raw.reasoning_effort, warnings)
  if (reasoning !== undefined) request.reasoning = reasoning
  const user = stringOf(raw.safety_identifier) ?? stringOf(raw.user)
  if (user !== undefined) request.user = user
  const responseFormat = decodeResponseFormat(recordOf(raw.response_format))
  if (responseFormat !== undefined) request.responseFormat = responseFormat
  return { request, warnings }
}

function vendorFields(raw: Record<string, unknown>): OpenAIChatVendorFields {
  const vendor: OpenAIChatVendorFields = {}
  if (raw.stream === true) vendor.includeUsage = recordOf(raw.stream_options).include_usage === true
  const relayed = Object.fromEntries(relayedFields.filter((field) => raw[field] !== undefined && raw[field] !== null).map((field) => [field, raw[field]]))
  if (Object.keys(relayed).length > 0) vendor.relayed = relayed
  return vendor
}

/** Function tools, and legacy `functions`; custom (freeform) and other tool types are dropped with a warning. */
function decodeTools(raw: Record<string, unknown>, warnings: Warning[]): CanonicalTool[] {
  const tools: CanonicalTool[] = []
  for (const rawTool of arrayOf(raw.tools)) {
    const tool = recordOf(rawTool)
    if (tool.type === 'function') tools.push(decodeFunction(recordOf(tool.function)))
    else warnings.push({ code: 'dropped_field', message: `A ${String(tool.type)} tool has no equivalent in the upstream's API; dropped` })
  }
  for (const legacy of arrayOf(raw.functions)) tools.push(decodeFunction(recordOf(legacy)))
  return tools
}

function decodeFunction(fn: Record<string, unknown>): CanonicalTool {
  const tool: CanonicalTool = {
    name: stringOf(fn.name) ?? '',
    parameters: isRecord(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
  }
  const description = stringOf(fn.description)
  if (description !== undefined) tool.description = description
  if (typeof fn.strict === 'boolean') tool.strict = fn.strict
  return tool
}

/**
 * `tool_choice` (or legacy `function_call`) and `parallel_tool_calls`. `allowed_tools` narrows the declared tools to
 * its subset and keeps its mode, which is how other dialects say "only these".
 */
function decodeToolChoice(raw: Record<string, unknown>, declared: CanonicalTool[]): { tools: CanonicalTool[]; toolChoice?: ToolChoice } {
  const choice = raw.tool_choice ?? raw.function_call
  const parallel = raw.parallel_tool_calls === false ? { parallel: false } : {}
  if (choice === 'none') return { tools: declared, toolChoice: { type: 'none' } }
  if (choice === 'required') return { tools: declared, toolChoice: { type: 'required', ...parallel } }
  if (isRecord(choice) && choice.type === 'allowed_tools') {
    const allowed = recordOf(choice.allowed_tools)
    const names = new Set(arrayOf(allowed.tools).map((tool) => stringOf(recordOf(recordOf(tool).function).name)))
    const tools = declared.filter((tool) => names.has(tool.name))
    return { tools, toolChoice: { type: allowed.mode === 'required' ? 'required' : 'auto', ...parallel } }
  }
  const name = isRecord(choice) ? (stringOf(recordOf(choice.function).name) ?? stringOf(choice.name)) : undefined
  if (name !== undefined) return { tools: declared, toolChoice: { type: 'tool', name, ...parallel } }
  if (choice === 'auto' || raw.parallel_tool_calls === false) return { tools: declared, toolChoice: { type: 'auto', ...parallel } }
  return { tools: declared }
}

/** `reasoning_effort`: `none` turns reasoning off; the effort words carry over; anything else is dropped. */
function decodeReasoning(value: unknown, warnings: Warning[]): CanonicalRequest['reasoning'] {
  if (value === undefined || value === null) return undefined
  if (value === 'none') return { enabled: false }
  const effort = efforts.find((word) => word === value)
  if (effort !== undefined) return { enabled: true, effort }
  warnings.push({ code: 'dropped_field', message: `reasoning_effort: unknown value ${JSON.stringify(value)}; dropped` })
  return undefined
}

function decodeResponseFormat(format: Record<string, unknown>): CanonicalRequest['responseFormat'] {
  if (format.type === 'json_object') return { type: 'json-object' }
  if (format.type !== 'json_schema') return undefined
  const jsonSchema = recordOf(format.json_schema)
  const schema = { type: 'json-schema' as const, name: stringOf(jsonSchema.name) ?? 'output', schema: recordOf(jsonSchema.schema) }
  return typeof jsonSchema.strict === 'boolean' ? { ...schema, strict: jsonSchema.strict } : schema
}
