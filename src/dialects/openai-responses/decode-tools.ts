import type { CanonicalTool, ToolChoice } from '../../core/canonical.ts'
import { arrayOf, isRecord, recordOf, stringOf } from '../../core/json-readers.ts'
import type { TranslationFailure } from '../openai-chat/decode-request.ts'

/*
 * Responses `tools`, `tool_choice` and `parallel_tool_calls` → canonical tools and choice (WIRE.md §1.4, §3.1).
 * Function tools are flat. A custom (freeform) tool has no vendor mapping, so Anvat's scheme declares it as a function
 * taking one string, `{input}`, and the response encoder turns calls of these names back into `custom_tool_call`s.
 * Built-in tools run on OpenAI's side only: naming one is a 400, since the model would otherwise answer without it.
 * @see https://platform.openai.com/docs/api-reference/responses/create#responses-create-tools
 */

type Failure = { error: TranslationFailure }

/** Canonical tools and choice, with the names of the custom tools among them. */
export type DecodedTools = { tools: CanonicalTool[]; customToolNames: Set<string>; toolChoice?: ToolChoice }

/** Decodes `tools` and the choice among them from a request body. */
export function decodeTools(raw: Record<string, unknown>): DecodedTools | Failure {
  const declared: CanonicalTool[] = []
  const customToolNames = new Set<string>()
  for (const [toolIndex, rawTool] of arrayOf(raw.tools).entries()) {
    const tool = recordOf(rawTool)
    const param = `tools[${toolIndex}]`
    if (tool.type !== 'function' && tool.type !== 'custom') return builtInTool(`${param}.type`, tool.type)
    const name = stringOf(tool.name)
    if (name === undefined || name === '') return { error: { param: `${param}.name`, message: `Missing required parameter: '${param}.name'.` } }
    if (tool.type === 'custom') customToolNames.add(name)
    declared.push(tool.type === 'function' ? decodeFunctionTool(tool, name) : decodeCustomTool(tool, name))
  }
  const choice = decodeToolChoice(raw, declared)
  if ('error' in choice) return choice
  return { ...choice, customToolNames }
}

function builtInTool(param: string, type: unknown): Failure {
  return { error: { param, message: `The built-in tool '${String(type)}' is not available for this model.` } }
}

function decodeFunctionTool(tool: Record<string, unknown>, name: string): CanonicalTool {
  const decoded: CanonicalTool = { name, parameters: isRecord(tool.parameters) ? tool.parameters : { type: 'object', properties: {} } }
  const description = stringOf(tool.description)
  if (description !== undefined) decoded.description = description
  // Only an explicit `strict` travels: Responses defaults it on, but strict-unclean schemas fail elsewhere (edge 17).
  if (typeof tool.strict === 'boolean') decoded.strict = tool.strict
  return decoded
}

/** A freeform tool as a function of one string; its grammar, if any, tells the model what that string must be. */
function decodeCustomTool(tool: Record<string, unknown>, name: string): CanonicalTool {
  const grammar = grammarSummary(recordOf(tool.format))
  const input = { type: 'string', ...(grammar === undefined ? {} : { description: grammar }) }
  const decoded: CanonicalTool = {
    name,
    parameters: { type: 'object', properties: { input }, required: ['input'], additionalProperties: false },
  }
  const description = stringOf(tool.description)
  if (description !== undefined) decoded.description = description
  return decoded
}

/** `format: {type:"grammar", syntax, definition}` → a description of the input; plain text needs none. */
function grammarSummary(format: Record<string, unknown>): string | undefined {
  const definition = stringOf(format.definition)
  if (format.type !== 'grammar' || definition === undefined) return undefined
  const syntax = stringOf(format.syntax) ?? 'lark'
  return `The raw input, which must match this ${syntax} grammar:\n${definition}`
}

/**
 * `tool_choice` and `parallel_tool_calls`. `allowed_tools` narrows the declared tools to its subset and keeps its
 * mode, which is how other dialects say "only these" (as the Chat decoder does).
 */
function decodeToolChoice(raw: Record<string, unknown>, declared: CanonicalTool[]): { tools: CanonicalTool[]; toolChoice?: ToolChoice } | Failure {
  const choice = raw.tool_choice
  const parallel = raw.parallel_tool_calls === false ? { parallel: false } : {}
  if (choice === undefined || choice === null || choice === 'auto') {
    return raw.parallel_tool_calls === false || choice === 'auto' ? { tools: declared, toolChoice: { type: 'auto', ...parallel } } : { tools: declared }
  }
  if (choice === 'none') return { tools: declared, toolChoice: { type: 'none' } }
  if (choice === 'required') return { tools: declared, toolChoice: { type: 'required', ...parallel } }
  if (!isRecord(choice)) {
    return { error: { param: 'tool_choice', message: `Invalid value: '${String(choice)}'. Supported values are: 'none', 'auto', and 'required'.` } }
  }
  if (choice.type === 'allowed_tools') {
    const names = new Set(arrayOf(choice.tools).map((tool) => stringOf(recordOf(tool).name)))
    const tools = declared.filter((tool) => names.has(tool.name))
    return { tools, toolChoice: { type: choice.mode === 'required' ? 'required' : 'auto', ...parallel } }
  }
  if (choice.type !== 'function' && choice.type !== 'custom') return builtInTool('tool_choice', choice.type)
  const name = stringOf(choice.name)
  if (name === undefined || !declared.some((tool) => tool.name === name)) {
    return { error: { param: 'tool_choice', message: `Tool choice '${String(name)}' not found in 'tools' parameter.` } }
  }
  return { tools: declared, toolChoice: { type: 'tool', name, ...parallel } }
}
