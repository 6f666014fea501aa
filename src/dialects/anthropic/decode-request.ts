import type { CanonicalRequest, CanonicalTool, ReasoningEffort, ToolChoice, Warning } from '../../core/canonical.ts'
import { decodeCacheControl, decodeContent } from './decode-content.ts'
import { uniqueWarnings } from './warnings.ts'
import { arrayOf, isRecord, numberOf, recordOf, stringOf } from './wire.ts'

/*
 * An Anthropic Messages request → canonical (WIRE.md §1.2). Fields only Anthropic has (top-level `cache_control`,
 * `service_tier`, `context_management`, `mcp_servers`, `container`, `inference_geo`, server tools, adaptive
 * `display`, and any field newer than this code) ride in `vendor.anthropic` under their wire names, so encodeRequest
 * restores them for an Anthropic upstream and other encoders can name what they drop.
 * @see https://docs.anthropic.com/en/api/messages
 */

/** Top-level fields the IR carries; every other one goes to `vendor.anthropic` as it came. */
const carriedFields = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'stream',
  'thinking',
  'output_config',
  'metadata',
])

const efforts: ReadonlySet<string> = new Set<ReasoningEffort>(['minimal', 'low', 'medium', 'high', 'xhigh', 'max'])

/** Decodes a Messages request body (envelope already validated) into canonical form and what it could not carry. */
export function decodeRequest(body: unknown): { request: CanonicalRequest; warnings: Warning[] } {
  const wire = recordOf(body)
  const warnings: Warning[] = []
  const vendor: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(wire)) if (!carriedFields.has(field)) vendor[field] = value

  const system = decodeSystem(wire.system)
  const messages: CanonicalRequest['messages'] = []
  for (const message of arrayOf(wire.messages)) {
    const { role, content } = recordOf(message)
    // The newest API takes `role:"system"` inside messages; every other upstream wants it hoisted (WIRE.md §1.2).
    if (role === 'system') system.push(...decodeSystem(content))
    else if (role === 'user' || role === 'assistant') messages.push({ role, content: decodeContent(content, warnings) })
  }

  const { tools, serverTools } = decodeTools(wire.tools)
  if (serverTools.length > 0) {
    vendor.tools = serverTools
    const names = serverTools.map((tool) => String(recordOf(tool).type)).join(', ')
    warnings.push({ code: 'vendor_only', message: `server tools (${names}) run only on Anthropic upstreams` })
  }
  const outputConfig = { ...recordOf(wire.output_config) }
  const reasoning = decodeReasoning(wire.thinking, outputConfig, vendor)
  const responseFormat = decodeResponseFormat(outputConfig)
  if (Object.keys(outputConfig).length > 0) vendor.output_config = outputConfig

  const toolChoice = decodeToolChoice(wire.tool_choice, warnings)
  const maxOutputTokens = numberOf(wire.max_tokens)
  const temperature = numberOf(wire.temperature)
  const topP = numberOf(wire.top_p)
  const topK = numberOf(wire.top_k)
  const stopSequences = Array.isArray(wire.stop_sequences) ? wire.stop_sequences.filter((item) => typeof item === 'string') : undefined
  const user = stringOf(recordOf(wire.metadata).user_id)
  const request: CanonicalRequest = {
    model: stringOf(wire.model) ?? '',
    system,
    messages,
    tools,
    ...(toolChoice === undefined ? {} : { toolChoice }),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(topP === undefined ? {} : { topP }),
    ...(topK === undefined ? {} : { topK }),
    ...(stopSequences === undefined ? {} : { stopSequences }),
    stream: wire.stream === true,
    ...(reasoning === undefined ? {} : { reasoning }),
    ...(user === undefined ? {} : { user }),
    ...(responseFormat === undefined ? {} : { responseFormat }),
    vendor: Object.keys(vendor).length > 0 ? { anthropic: vendor } : {},
  }
  return { request, warnings: uniqueWarnings(warnings) }
}

function decodeSystem(system: unknown): CanonicalRequest['system'] {
  if (typeof system === 'string') return system === '' ? [] : [{ text: system }]
  return arrayOf(system).flatMap((block) => {
    const { type, text, cache_control } = recordOf(block)
    if (type !== 'text' || typeof text !== 'string') return []
    const cacheControl = decodeCacheControl(cache_control)
    return [cacheControl === undefined ? { text } : { text, cacheControl }]
  })
}

function decodeTools(value: unknown): { tools: CanonicalTool[]; serverTools: unknown[] } {
  const tools: CanonicalTool[] = []
  const serverTools: unknown[] = []
  for (const item of arrayOf(value)) {
    const tool = recordOf(item)
    // Custom tools have no `type` or `type:"custom"`; server tools carry a dated one (`web_search_20250305`).
    if (tool.type !== undefined && tool.type !== 'custom') {
      serverTools.push(item)
      continue
    }
    const description = stringOf(tool.description)
    const cacheControl = decodeCacheControl(tool.cache_control)
    tools.push({
      name: stringOf(tool.name) ?? '',
      ...(description === undefined ? {} : { description }),
      parameters: isRecord(tool.input_schema) ? tool.input_schema : { type: 'object', properties: {} },
      ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}),
      ...(cacheControl === undefined ? {} : { cacheControl }),
    })
  }
  return { tools, serverTools }
}

function decodeToolChoice(value: unknown, warnings: Warning[]): ToolChoice | undefined {
  if (!isRecord(value)) return undefined
  const parallel = typeof value.disable_parallel_tool_use === 'boolean' ? { parallel: !value.disable_parallel_tool_use } : {}
  switch (value.type) {
    case 'auto':
      return { type: 'auto', ...parallel }
    case 'any':
      return { type: 'required', ...parallel }
    case 'none':
      return { type: 'none' }
    case 'tool':
      return { type: 'tool', name: stringOf(value.name) ?? '', ...parallel }
    default:
      warnings.push({ code: 'dropped_field', message: `dropped tool_choice of type ${String(value.type)}` })
      return undefined
  }
}

/** `thinking` + `output_config.effort` → `reasoning`. Takes the effort out of `outputConfig` only when it is used. */
function decodeReasoning(value: unknown, outputConfig: Record<string, unknown>, vendor: Record<string, unknown>): CanonicalRequest['reasoning'] {
  if (!isRecord(value)) return undefined
  const effortWord = stringOf(outputConfig.effort)
  const effort = effortWord !== undefined && efforts.has(effortWord) ? { effort: effortWord as ReasoningEffort } : {}
  // `display` (summarized | omitted) has no neutral meaning; it goes back to Anthropic as it came.
  const { type, budget_tokens, ...rest } = value
  if (Object.keys(rest).length > 0) vendor.thinking = rest
  if (type === 'disabled') return { enabled: false }
  if (type !== 'enabled' && type !== 'adaptive') return undefined
  // Adaptive thinking is steered by the effort alone, so it moves into `reasoning`. Beside a budget it also stays
  // in `output_config` (Opus takes both), so an Anthropic upstream gets it back while others read `reasoning`.
  if (type === 'adaptive') delete outputConfig.effort
  const budgetTokens = type === 'enabled' ? numberOf(budget_tokens) : undefined
  return { enabled: true, ...effort, ...(budgetTokens === undefined ? {} : { budgetTokens }) }
}

function decodeResponseFormat(outputConfig: Record<string, unknown>): CanonicalRequest['responseFormat'] {
  const format = recordOf(outputConfig.format)
  if (format.type !== 'json_schema' || !isRecord(format.schema)) return undefined
  delete outputConfig.format
  // Anthropic's format has no name; `output` is the one other dialects get (WIRE.md §2.1).
  return { type: 'json-schema', name: 'output', schema: format.schema }
}
