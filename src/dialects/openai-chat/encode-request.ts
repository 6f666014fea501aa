import { createHash } from 'node:crypto'
import type { CanonicalRequest, CanonicalTool, ToolChoice, Warning } from '../../core/canonical.ts'
import type { OpenAIChatVendorFields, TranslationFailure } from './decode-request.ts'
import { encodeMessages } from './encode-messages.ts'
import { recordToolName, type ToolNameMap } from './tool-name.ts'
import { isRecord, recordOf, type OpenAIChatCompletionRequestBody, type OpenAIChatReasoningEffort, type OpenAIChatToolChoiceParam, type OpenAIChatToolParam } from './wire.ts'

/*
 * Canonical request → Chat Completions request (WIRE.md §2.1). Pure: the provider's quirks come in as options, and
 * whatever Chat cannot carry is dropped with a Warning or refused with a TranslationFailure naming the part.
 */

/** How the upstream wants a few fields said: its model id, its max-tokens field, its system role, and whether it reasons. */
export type EncodeRequestOptions = {
  upstreamModel: string
  maxTokensField: 'max_completion_tokens' | 'max_tokens'
  systemRole: 'system' | 'developer'
  /** true: a reasoning model (sampling and `stop` are dropped); false: it takes no `reasoning_effort`; unset: unknown. */
  reasoningModel?: boolean
}

/** The body to send, what was dropped, and the shortened tool names to map back; or the part that cannot be sent. */
export type EncodeRequestResult = { body: OpenAIChatCompletionRequestBody; warnings: Warning[]; toolNames: ToolNameMap } | { error: TranslationFailure }

/**
 * Anthropic `budget_tokens` → `reasoning_effort` (WIRE.md §2.3, "Back"): the first row whose ceiling the budget does
 * not pass. A convention other gateways share, not a vendor rule; it belongs in config once a provider needs another.
 */
export const effortByBudgetTokens: ReadonlyArray<readonly [budgetTokensMax: number, effort: OpenAIChatReasoningEffort]> = [
  [1024, 'low'],
  [8192, 'medium'],
  [Number.POSITIVE_INFINITY, 'high'],
]

/** At most four stop sequences. @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-stop */
export const stopSequencesMax = 4

/** `safety_identifier` is at most 64 characters; longer ids (Claude Code's `metadata.user_id`) are hashed (edge 15). */
export const safetyIdentifierLengthMax = 64

/** Encodes a canonical request for a Chat Completions upstream. */
export function encodeRequest(request: CanonicalRequest, options: EncodeRequestOptions): EncodeRequestResult {
  const warnings: Warning[] = []
  const toolNames: ToolNameMap = {}
  const encoded = encodeMessages(request, { systemRole: options.systemRole, toolNames, warnings })
  if ('error' in encoded) return encoded
  const vendor: OpenAIChatVendorFields = recordOf(request.vendor.openaiChat)
  const body: OpenAIChatCompletionRequestBody = { ...recordOf(vendor.relayed), model: options.upstreamModel, messages: encoded.messages }
  for (const [dialect, fields] of Object.entries(request.vendor)) {
    const names = dialect === 'openaiChat' ? [] : Object.keys(recordOf(fields))
    if (names.length > 0) warnings.push({ code: 'dropped_field', message: `${names.join(', ')}: no equivalent in Chat Completions; dropped` })
  }
  if (request.maxOutputTokens !== undefined) body[options.maxTokensField] = request.maxOutputTokens
  encodeSampling(request, options, body, warnings)
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => encodeTool(tool, toolNames, warnings))
    if (request.toolChoice !== undefined) body.tool_choice = encodeToolChoice(request.toolChoice, toolNames)
    if (request.toolChoice !== undefined && 'parallel' in request.toolChoice && request.toolChoice.parallel === false) body.parallel_tool_calls = false
  }
  const effort = encodeReasoning(request.reasoning)
  if (effort !== undefined && options.reasoningModel === false) {
    warnings.push({ code: 'dropped_field', message: 'reasoning: this model does not reason; dropped' })
  } else if (effort !== undefined) {
    body.reasoning_effort = effort
  }
  if (request.responseFormat?.type === 'json-object') body.response_format = { type: 'json_object' }
  if (request.responseFormat?.type === 'json-schema') {
    const { name, schema, strict } = request.responseFormat
    body.response_format = { type: 'json_schema', json_schema: strict === undefined ? { name, schema } : { name, schema, strict } }
  }
  if (request.user !== undefined) body.safety_identifier = encodeSafetyIdentifier(request.user)
  if (request.stream) {
    body.stream = true
    // Always: usage comes only with it, and the meter needs it whatever the client asked (WIRE.md §1.3).
    body.stream_options = { include_usage: true }
  }
  return { body, warnings, toolNames }
}

/** Temperature, top_p and stop; reasoning models reject non-default sampling and `stop`, and Chat has no top_k. */
function encodeSampling(request: CanonicalRequest, options: EncodeRequestOptions, body: OpenAIChatCompletionRequestBody, warnings: Warning[]): void {
  const reasoning = options.reasoningModel === true
  const drop = (field: string, why: string) => warnings.push({ code: 'dropped_field', message: `${field}: ${why}; dropped` })
  if (request.temperature !== undefined) {
    if (reasoning) drop('temperature', 'reasoning models take only the default')
    else body.temperature = request.temperature
  }
  if (request.topP !== undefined) {
    if (reasoning) drop('top_p', 'reasoning models take only the default')
    else body.top_p = request.topP
  }
  if (request.topK !== undefined) drop('top_k', 'no equivalent in Chat Completions')
  const stop = request.stopSequences ?? []
  if (stop.length === 0) return
  if (reasoning) {
    drop('stop', 'reasoning models reject it')
    return
  }
  if (stop.length > stopSequencesMax) drop(`stop beyond the first ${stopSequencesMax}`, 'Chat takes at most four')
  body.stop = stop.slice(0, stopSequencesMax)
}

function encodeTool(tool: CanonicalTool, toolNames: ToolNameMap, warnings: Warning[]): OpenAIChatToolParam {
  const name = recordToolName(toolNames, tool.name)
  const fn: OpenAIChatToolParam['function'] = { name, parameters: tool.parameters }
  if (tool.description !== undefined) fn.description = tool.description
  if (tool.strict === true && isStrictClean(tool.parameters)) fn.strict = true
  else if (tool.strict === true) warnings.push({ code: 'adjusted_field', message: `Tool ${tool.name}: its schema does not meet strict mode's rules; sent without strict` })
  return { type: 'function', function: fn }
}

/**
 * Strict mode needs every object to close `additionalProperties` and require all its properties (edge 17); a schema
 * that does not is sent without `strict` rather than rejected.
 * @see https://platform.openai.com/docs/guides/structured-outputs#supported-schemas
 */
export function isStrictClean(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.every(isStrictClean)
  if (!isRecord(schema)) return true
  const properties = recordOf(schema.properties)
  if (schema.type === 'object' || isRecord(schema.properties)) {
    const required = Array.isArray(schema.required) ? schema.required : []
    if (schema.additionalProperties !== false) return false
    if (!Object.keys(properties).every((key) => required.includes(key))) return false
  }
  const nested = [schema.items, schema.anyOf, schema.allOf, schema.oneOf, ...Object.values(properties), ...Object.values(recordOf(schema.$defs)), ...Object.values(recordOf(schema.definitions))]
  return nested.every(isStrictClean)
}

function encodeToolChoice(choice: ToolChoice, toolNames: ToolNameMap): OpenAIChatToolChoiceParam {
  if (choice.type === 'tool') return { type: 'function', function: { name: recordToolName(toolNames, choice.name) } }
  return choice.type
}

/** An effort word as Chat says it (`max` only in the newest SDK types: sent as `high`), or one from a budget. */
function encodeReasoning(reasoning: CanonicalRequest['reasoning']): OpenAIChatReasoningEffort | undefined {
  if (reasoning === undefined || !reasoning.enabled) return undefined
  if (reasoning.effort !== undefined) return reasoning.effort === 'max' ? 'high' : reasoning.effort
  if (reasoning.budgetTokens === undefined) return 'medium'
  const budgetTokens = reasoning.budgetTokens
  return effortByBudgetTokens.find(([budgetTokensMax]) => budgetTokens <= budgetTokensMax)?.[1] ?? 'high'
}

/** The end-user id as Chat takes it: kept up to 64 characters, else its SHA-256 in hex (64 characters, stable). */
export function encodeSafetyIdentifier(user: string): string {
  return user.length <= safetyIdentifierLengthMax ? user : createHash('sha256').update(user).digest('hex')
}
