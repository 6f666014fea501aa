import type { CanonicalRequest, CanonicalTool, ToolChoice, Warning } from '../../core/canonical.ts'
import { limitCacheMarks } from './cache-marks.ts'
import { encodeCacheControl, isBlankText } from './encode-content.ts'
import { encodeThinking } from './encode-thinking.ts'
import { encodeMessages, toolLoopLacksThinking } from './preflight.ts'
import { uniqueWarnings } from './warnings.ts'
import { isRecord } from './wire.ts'

/*
 * Canonical → an Anthropic Messages request, for translated traffic only (same-dialect traffic passes through). It
 * applies WIRE.md §2.2's pre-flight and §2.3's thinking rules, so that what Anthropic would refuse is repaired here
 * and reported as a Warning rather than returned to the client as a 400.
 * @see https://docs.anthropic.com/en/api/messages
 */

/** What encodeRequest needs to know about the upstream model. */
export type EncodeRequestOptions = {
  /** The model id the upstream knows. */
  upstreamModel: string
  /** The model takes only `{type:"adaptive"}` thinking, steered by `output_config.effort` (newest Opus). */
  adaptiveThinkingOnly?: boolean
  /** `max_tokens` when the client set none: Anthropic requires it (edge 13). */
  defaultMaxTokens: number
}

/** Anthropic's ceiling for `temperature`; other dialects go to 2. */
const temperatureMax = 1

/** The instruction that stands in for JSON-object mode, which Anthropic lacks. */
export const jsonObjectInstruction = 'Respond with a single JSON object and nothing else.'

/** Encodes a canonical request as an Anthropic Messages body, with what had to change on the way. */
export function encodeRequest(request: CanonicalRequest, options: EncodeRequestOptions): { body: Record<string, unknown>; warnings: Warning[] } {
  const warnings: Warning[] = []
  const messages = encodeMessages(request.messages, warnings)
  const encodedThinking = encodeThinking(request.reasoning, options.adaptiveThinkingOnly === true)
  let { thinking, effort } = encodedThinking
  if (encodedThinking.budgetRaised) warnings.push({ code: 'adjusted_field', message: 'raised thinking budget_tokens to the minimum of 1024' })
  if (thinking !== undefined && thinking.type !== 'disabled' && toolLoopLacksThinking(messages)) {
    // The client cannot send back the thinking this tool loop began with; Anthropic would refuse it (edge 10).
    warnings.push({ code: 'dropped_field', message: 'thinking turned off: the last assistant turn of this tool loop lacks its thinking block' })
    thinking = undefined
    effort = undefined
  }
  const thinkingOn = thinking !== undefined && thinking.type !== 'disabled'

  let maxTokens = request.maxOutputTokens ?? options.defaultMaxTokens
  if (thinking?.type === 'enabled' && thinking.budget_tokens >= maxTokens) {
    // The budget must stay below max_tokens (edge 12): keep the answer's own room on top of the budget.
    warnings.push({ code: 'adjusted_field', message: `raised max_tokens from ${maxTokens} to fit a thinking budget of ${thinking.budget_tokens}` })
    maxTokens = thinking.budget_tokens + maxTokens
  }

  const { tools, toolChoice } = encodeTools(request.tools, request.toolChoice, thinkingOn, warnings)
  const system = request.system.filter((block) => !isBlankText(block.text)).map((block) => ({ type: 'text', text: block.text, ...encodeCacheControl(block.cacheControl) }))
  const outputConfig: Record<string, unknown> = {}
  if (effort !== undefined) outputConfig.effort = effort
  if (request.responseFormat?.type === 'json-schema') outputConfig.format = { type: 'json_schema', schema: request.responseFormat.schema }
  if (request.responseFormat?.type === 'json-object') {
    warnings.push({ code: 'adjusted_field', message: 'JSON-object mode became a system instruction: Anthropic has no such mode' })
    system.push({ type: 'text', text: jsonObjectInstruction })
  }

  const body: Record<string, unknown> = {
    model: options.upstreamModel,
    max_tokens: maxTokens,
    ...(system.length > 0 ? { system } : {}),
    messages,
    ...(tools.length > 0 ? { tools } : {}),
    ...(toolChoice === undefined ? {} : { tool_choice: toolChoice }),
    ...encodeSampling(request, thinkingOn, warnings),
    ...encodeStopSequences(request.stopSequences, warnings),
    ...(thinking === undefined ? {} : { thinking }),
    ...(Object.keys(outputConfig).length > 0 ? { output_config: outputConfig } : {}),
    ...(request.user === undefined ? {} : { metadata: { user_id: request.user } }),
    ...(request.stream ? { stream: true } : {}),
  }
  restoreVendorFields(body, request.vendor.anthropic ?? {})
  // A choice among no tools is refused, and says nothing: every tool may have been server-only or filtered away.
  if (body.tools === undefined) delete body.tool_choice
  dropForeignVendorFields(request.vendor, warnings)
  limitCacheMarks(body, warnings)
  return { body, warnings: uniqueWarnings(warnings) }
}

function encodeTools(
  canonicalTools: CanonicalTool[],
  choice: ToolChoice | undefined,
  thinkingOn: boolean,
  warnings: Warning[],
): { tools: Record<string, unknown>[]; toolChoice: Record<string, unknown> | undefined } {
  let kept = canonicalTools
  let effective = choice
  if (thinkingOn && (choice?.type === 'required' || choice?.type === 'tool')) {
    // "Thinking may not be enabled when tool_choice forces tool use" (edge 11): ask, keeping only the named tool.
    warnings.push({ code: 'adjusted_field', message: 'forced tool_choice became auto: Anthropic refuses it with thinking on' })
    if (choice.type === 'tool') kept = canonicalTools.filter((tool) => tool.name === choice.name)
    effective = { type: 'auto', ...(choice.parallel === undefined ? {} : { parallel: choice.parallel }) }
  }
  const tools = kept.map((tool) => ({
    name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    // Anthropic requires an object schema; Chat tools may come with none (WIRE.md §2.2).
    input_schema: tool.parameters.type === 'object' ? tool.parameters : { properties: {}, ...tool.parameters, type: 'object' },
    ...(tool.strict === undefined ? {} : { strict: tool.strict }),
    ...encodeCacheControl(tool.cacheControl),
  }))
  return { tools, toolChoice: effective === undefined ? undefined : encodeToolChoice(effective) }
}

function encodeToolChoice(choice: ToolChoice): Record<string, unknown> {
  const parallel = choice.type !== 'none' && choice.parallel === false ? { disable_parallel_tool_use: true } : {}
  switch (choice.type) {
    case 'auto':
      return { type: 'auto', ...parallel }
    case 'required':
      return { type: 'any', ...parallel }
    case 'none':
      return { type: 'none' }
    case 'tool':
      return { type: 'tool', name: choice.name, ...parallel }
  }
}

/** Sampling within Anthropic's rules: none with thinking, temperature at most 1, never temperature with top_p (edge 12). */
function encodeSampling(request: CanonicalRequest, thinkingOn: boolean, warnings: Warning[]): Record<string, number> {
  const { temperature, topP, topK } = request
  if (temperature === undefined && topP === undefined && topK === undefined) return {}
  if (thinkingOn) {
    warnings.push({ code: 'dropped_field', message: 'dropped temperature, top_p and top_k: Anthropic refuses sampling settings with thinking on' })
    return {}
  }
  const sampling: Record<string, number> = {}
  if (temperature !== undefined) {
    if (temperature > temperatureMax) warnings.push({ code: 'adjusted_field', message: `clamped temperature ${temperature} to ${temperatureMax}` })
    sampling.temperature = Math.min(temperature, temperatureMax)
  }
  if (topP !== undefined && temperature !== undefined) {
    warnings.push({ code: 'dropped_field', message: 'dropped top_p: newer Anthropic models refuse it beside temperature' })
  } else if (topP !== undefined) {
    sampling.top_p = topP
  }
  if (topK !== undefined) sampling.top_k = topK
  return sampling
}

function encodeStopSequences(stopSequences: string[] | undefined, warnings: Warning[]): { stop_sequences?: string[] } {
  if (stopSequences === undefined) return {}
  // Anthropic refuses stop sequences made only of whitespace.
  const kept = stopSequences.filter((sequence) => !isBlankText(sequence))
  if (kept.length < stopSequences.length) warnings.push({ code: 'dropped_field', message: 'dropped stop sequences made only of whitespace' })
  return kept.length > 0 ? { stop_sequences: kept } : {}
}

/**
 * Puts `vendor.anthropic` back under its wire names: server tools after the custom ones, object fields (`thinking`'s
 * display, the rest of `output_config`) under what the encoder wrote, anything else where the encoder wrote nothing.
 */
function restoreVendorFields(body: Record<string, unknown>, vendor: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(vendor)) {
    const written = body[field]
    if (field === 'tools' && Array.isArray(value)) {
      body.tools = [...(Array.isArray(written) ? written : []), ...value.map((tool) => (isRecord(tool) ? { ...tool } : tool))]
    } else if (field === 'thinking') {
      // `display` only means something beside thinking that is on.
      if (isRecord(written) && written.type !== 'disabled' && isRecord(value)) body.thinking = { ...value, ...written }
    } else if (isRecord(value) && isRecord(written)) {
      body[field] = { ...value, ...written }
    } else if (written === undefined) {
      body[field] = isRecord(value) ? { ...value } : value
    }
  }
}

function dropForeignVendorFields(vendor: CanonicalRequest['vendor'], warnings: Warning[]): void {
  const foreign = [
    ['OpenAI Chat', vendor.openaiChat],
    ['OpenAI Responses', vendor.openaiResponses],
  ] as const
  for (const [dialect, fields] of foreign) {
    // `includeUsage` is the caller's wish about its own stream, not a field for the upstream; `relayed` holds fields.
    const { includeUsage: _callerWish, relayed, ...rest } = (fields ?? {}) as Record<string, unknown>
    for (const field of [...Object.keys(rest), ...Object.keys((relayed ?? {}) as Record<string, unknown>)]) {
      warnings.push({ code: 'dropped_field', message: `dropped ${dialect} field ${field}: Anthropic has no equivalent` })
    }
  }
}
