import type { CanonicalMessage, CanonicalRequest, ContentPart, ReasoningPart, Warning } from '../../core/canonical.ts'
import { recordOf, stringOf } from '../../core/json-readers.ts'
import type { TranslationFailure } from '../openai-chat/decode-request.ts'
import { decodeMessageContent, decodeSystemContent, decodeToolOutput } from './decode-content.ts'
import { unpackReasoningContent } from './reasoning-content.ts'

/*
 * Responses `input` → canonical system blocks and turns (WIRE.md §1.4, §3.1). System and developer items join
 * `system` in order. Assistant text, calls and restored reasoning of one turn make one assistant message; tool
 * outputs make one user turn, results first (edge 4), which a user message right after joins. Tool call ids are kept
 * as the client sent them: encoders map them onto their upstream's pattern (Anthropic's does, edge 2), and the
 * thinking vault and the client both know the calls by these ids.
 */

type Failure = { error: TranslationFailure }

/** System blocks and turns of a Responses conversation, or the item that cannot be carried. */
export type DecodedInput = { system: CanonicalRequest['system']; messages: CanonicalMessage[] } | Failure

type CallKind = 'function call' | 'custom tool call'

type Conversation = {
  system: CanonicalRequest['system']
  messages: CanonicalMessage[]
  /** Restored reasoning waiting for the assistant content that followed it. */
  reasoning: ReasoningPart[]
  /** Every call so far by call id, and whether an output answered it. */
  calls: Map<string, { kind: CallKind; answered: boolean }>
  /** Whether some reasoning could not be restored; reported once. */
  droppedReasoning: boolean
}

const droppedReasoningWarning: Warning = {
  code: 'dropped_reasoning',
  message: 'dropped reasoning items this model cannot read: only reasoning the gateway issued, with its encrypted_content, is restored',
}

/** Decodes `input` (a string or a list of items, references already expanded); `warnings` collects what was dropped. */
export function decodeInput(input: unknown, warnings: Warning[]): DecodedInput {
  if (input === undefined || input === null) return { system: [], messages: [] }
  if (typeof input === 'string') {
    return { system: [], messages: input.trim() === '' ? [] : [{ role: 'user', content: [{ type: 'text', text: input }] }] }
  }
  if (!Array.isArray(input)) return { error: { param: 'input', message: "Invalid type for 'input': expected a string or an array of input items." } }
  const conversation: Conversation = { system: [], messages: [], reasoning: [], calls: new Map(), droppedReasoning: false }
  for (const [itemIndex, item] of input.entries()) {
    const failure = decodeItem(recordOf(item), itemIndex, conversation)
    if (failure !== undefined) return failure
  }
  if (conversation.reasoning.length > 0) conversation.droppedReasoning = true
  for (const [callId, call] of conversation.calls) {
    // OpenAI refuses a call left unanswered; answer in its shape rather than repair (WIRE.md §3.1).
    if (!call.answered) return { error: { param: 'input', message: `No tool output found for ${call.kind} ${callId}.` } }
  }
  if (conversation.droppedReasoning) warnings.push(droppedReasoningWarning)
  return { system: conversation.system, messages: conversation.messages }
}

/** An item's type: `type` when given; a bare `{role, content}` is a message and a bare `{id}` a reference. */
function itemTypeOf(item: Record<string, unknown>): string | undefined {
  if (typeof item.type === 'string') return item.type
  if (item.role !== undefined) return 'message'
  return typeof item.id === 'string' ? 'item_reference' : undefined
}

function decodeItem(item: Record<string, unknown>, itemIndex: number, conversation: Conversation): Failure | undefined {
  const param = `input[${itemIndex}]`
  const type = itemTypeOf(item)
  switch (type) {
    case 'message':
      return decodeMessage(item, param, conversation)
    case 'function_call':
    case 'custom_tool_call':
      return decodeCall(item, type, param, conversation)
    case 'function_call_output':
    case 'custom_tool_call_output':
      return decodeOutput(item, type, param, conversation)
    case 'reasoning':
      decodeReasoning(item, conversation)
      return undefined
    case 'item_reference':
      // The route expands references from the response store before decoding; one left here was not found there.
      return { error: { param: `${param}.id`, message: `Item with id '${String(item.id)}' not found.` } }
    case undefined:
      return { error: { param: `${param}.type`, message: `Missing required parameter: '${param}.type'.` } }
    default:
      return { error: { param: `${param}.type`, message: `Input items of type '${type}' (${param}) cannot be translated for this model.` } }
  }
}

function decodeMessage(item: Record<string, unknown>, param: string, conversation: Conversation): Failure | undefined {
  const role = item.role
  if (role === 'system' || role === 'developer') {
    const blocks = decodeSystemContent(item.content, `${param}.content`)
    if ('error' in blocks) return blocks
    conversation.system.push(...blocks)
    return undefined
  }
  if (role !== 'user' && role !== 'assistant') {
    return { error: { param: `${param}.role`, message: `Invalid value: '${String(role)}'. Supported values are: 'user', 'assistant', 'system', and 'developer'.` } }
  }
  const content = decodeMessageContent(item.content, `${param}.content`)
  if ('error' in content) return content
  if (role === 'user') addUserParts(conversation, content)
  else addAssistantParts(conversation, content)
  return undefined
}

function missing(param: string): Failure {
  return { error: { param, message: `Missing required parameter: '${param}'.` } }
}

function decodeCall(item: Record<string, unknown>, type: 'function_call' | 'custom_tool_call', param: string, conversation: Conversation): Failure | undefined {
  const id = stringOf(item.call_id)
  if (id === undefined || id === '') return missing(`${param}.call_id`)
  const name = stringOf(item.name)
  if (name === undefined || name === '') return missing(`${param}.name`)
  const kind: CallKind = type === 'function_call' ? 'function call' : 'custom tool call'
  conversation.calls.set(id, { kind, answered: false })
  addAssistantParts(conversation, [{ type: 'tool-call', id, name, arguments: callArguments(item, type) }])
  return undefined
}

/**
 * Arguments as JSON text: a function call's as sent (empty → `{}`, edge 21); a freeform call's input wrapped as
 * `{input}`, Anvat's scheme for custom tools (WIRE.md §3.1).
 */
function callArguments(item: Record<string, unknown>, type: 'function_call' | 'custom_tool_call'): string {
  if (type === 'custom_tool_call') return JSON.stringify({ input: stringOf(item.input) ?? '' })
  const args = item.arguments
  if (typeof args === 'string') return args.trim() === '' ? '{}' : args
  return args === undefined || args === null ? '{}' : JSON.stringify(args)
}

function decodeOutput(item: Record<string, unknown>, type: 'function_call_output' | 'custom_tool_call_output', param: string, conversation: Conversation): Failure | undefined {
  const toolCallId = stringOf(item.call_id)
  if (toolCallId === undefined || toolCallId === '') return missing(`${param}.call_id`)
  const call = conversation.calls.get(toolCallId)
  if (call === undefined) {
    const kind = type === 'function_call_output' ? 'function call output' : 'custom tool call output'
    return { error: { param: 'input', message: `No tool call found for ${kind} with call_id ${toolCallId}.` } }
  }
  const output = decodeToolOutput(item.output, `${param}.output`)
  if ('error' in output) return output
  call.answered = true
  addUserParts(conversation, [{ type: 'tool-result', toolCallId, content: output.content, isError: false }, ...output.files])
  return undefined
}

/** Gateway-packed reasoning is restored for the assistant content that follows it; any other is dropped. */
function decodeReasoning(item: Record<string, unknown>, conversation: Conversation): void {
  const encryptedContent = stringOf(item.encrypted_content)
  const restored = encryptedContent === undefined ? undefined : unpackReasoningContent(encryptedContent)
  if (restored === undefined) conversation.droppedReasoning = true
  else conversation.reasoning.push(restored)
}

/** Adds to the assistant turn in progress, or opens one; restored reasoning goes first, before what followed it. */
function addAssistantParts(conversation: Conversation, parts: ContentPart[]): void {
  if (parts.length === 0) return
  const content = [...conversation.reasoning, ...parts]
  conversation.reasoning = []
  const last = conversation.messages.at(-1)
  if (last?.role === 'assistant') last.content.push(...content)
  else conversation.messages.push({ role: 'assistant', content })
}

function isToolResult(part: ContentPart): boolean {
  return part.type === 'tool-result'
}

/**
 * Adds to the user side. Tool results join the user turn they follow, after its other results and before the rest
 * (edge 4); a user message joins a turn of results, after them; otherwise a user message is a turn of its own.
 */
function addUserParts(conversation: Conversation, parts: ContentPart[]): void {
  if (parts.length === 0) return
  // Reasoning followed by the user's side had no assistant content to stand before: nothing can carry it.
  if (conversation.reasoning.length > 0) conversation.droppedReasoning = true
  conversation.reasoning = []
  const last = conversation.messages.at(-1)
  const results = parts.filter(isToolResult)
  const others = parts.filter((part) => !isToolResult(part))
  if (last?.role === 'user' && (results.length > 0 || last.content.some(isToolResult))) {
    const earlierResults = last.content.filter(isToolResult)
    const earlierOthers = last.content.filter((part) => !isToolResult(part))
    last.content = [...earlierResults, ...results, ...earlierOthers, ...others]
  } else {
    conversation.messages.push({ role: 'user', content: [...results, ...others] })
  }
}
