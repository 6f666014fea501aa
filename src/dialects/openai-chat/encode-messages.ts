import type { CanonicalMessage, CanonicalRequest, ContentPart, MediaSource, Warning } from '../../core/canonical.ts'
import { sanitizeToolId } from '../../core/tool-id.ts'
import type { TranslationFailure } from './decode-request.ts'
import { recordToolName, type ToolNameMap } from './tool-name.ts'
import type { OpenAIChatContentPartParam, OpenAIChatMessageParam, OpenAIChatToolCall } from './wire.ts'

/*
 * Canonical system blocks and turns → Chat `messages` (WIRE.md §2.1). Chat wants each assistant message with
 * `tool_calls` followed at once by one `tool` message per call (edge 3), tool messages that are text only, and images
 * only in `user` messages (edge 16): results go first, their images follow in one user message with the rest of the turn.
 */

type ToolResultPart = Extract<ContentPart, { type: 'tool-result' }>
type ToolCallPart = Extract<ContentPart, { type: 'tool-call' }>

/** What the tool message says in place of an image, which Chat relays in the user message after the results. */
export const relayedImageNote = '[image attached in the next user message]'

/** What a `tool` message says for a call the conversation never answered. */
export const missingResultText = 'Error: no result was returned for this tool call'

/** The encoded messages, or the part that cannot be carried. */
export type EncodedMessages = { messages: OpenAIChatMessageParam[] } | { error: TranslationFailure }

type Context = { systemRole: 'system' | 'developer'; toolNames: ToolNameMap; warnings: Warning[] }

/** Encodes `system` and `messages`; tool names are recorded in `context.toolNames` when shortened. */
export function encodeMessages(request: CanonicalRequest, context: Context): EncodedMessages {
  const messages: OpenAIChatMessageParam[] = []
  const system = request.system.map((block) => block.text).join('\n\n')
  if (system !== '') messages.push({ role: context.systemRole, content: system })
  let pendingCalls: string[] = []
  for (const [messageIndex, message] of request.messages.entries()) {
    const results = message.role === 'user' ? message.content.filter((part) => part.type === 'tool-result') : []
    messages.push(...encodeToolResults(pendingCalls, results, context.warnings))
    pendingCalls = []
    if (message.role === 'assistant') {
      const assistant = encodeAssistant(message, context)
      if (assistant === undefined) continue
      messages.push(assistant)
      pendingCalls = assistant.tool_calls?.map((call) => call.id) ?? []
      continue
    }
    const user = encodeUser(message, results, messageIndex)
    if ('error' in user) return user
    if (user.content.length > 0) messages.push(user)
  }
  messages.push(...encodeToolResults(pendingCalls, [], context.warnings))
  return { messages }
}

/**
 * One `tool` message per call of the assistant turn before, in call order: a call left unanswered gets a stub
 * saying so, and a result answering no call of that turn is dropped, since Chat rejects either.
 */
function encodeToolResults(callIds: string[], results: ToolResultPart[], warnings: Warning[]): OpenAIChatMessageParam[] {
  const byId = new Map(results.map((result) => [sanitizeToolId(result.toolCallId), result]))
  const messages: OpenAIChatMessageParam[] = []
  for (const id of callIds) {
    const result = byId.get(id)
    byId.delete(id)
    if (result === undefined) warnings.push({ code: 'repaired_conversation', message: `Tool call ${id} had no result; a stub error result was sent` })
    messages.push({ role: 'tool', tool_call_id: id, content: result === undefined ? missingResultText : toolResultText(result) })
  }
  for (const id of byId.keys()) warnings.push({ code: 'repaired_conversation', message: `Tool result for ${id} answers no preceding tool call; dropped` })
  return messages
}

function toolResultText(result: ToolResultPart): string {
  const text = result.content.map((part) => (part.type === 'text' ? part.text : relayedImageNote)).join('\n')
  return result.isError ? `Error: ${text}` : text
}

/** The user message: the images of the turn's tool results first, then the rest of the turn; a lone text is a plain string. */
function encodeUser(message: CanonicalMessage, results: ToolResultPart[], messageIndex: number): { role: 'user'; content: string | OpenAIChatContentPartParam[] } | { error: TranslationFailure } {
  const parts: OpenAIChatContentPartParam[] = []
  for (const result of results) {
    const images = result.content.filter((part) => part.type === 'image')
    if (images.length === 0) continue
    parts.push({ type: 'text', text: `Images from the result of tool call ${sanitizeToolId(result.toolCallId)}:` })
    for (const image of images) {
      const url = imageUrl(image.source)
      if (url === undefined) return { error: { param: `messages.${messageIndex}.content`, message: 'A tool result image given by file id cannot be sent to this model' } }
      parts.push({ type: 'image_url', image_url: { url } })
    }
  }
  for (const [partIndex, part] of message.content.entries()) {
    if (part.type === 'tool-result') continue
    const encoded = encodeUserPart(part)
    if (encoded === undefined) continue
    if ('error' in encoded) return { error: { param: `messages.${messageIndex}.content.${partIndex}`, message: encoded.error } }
    parts.push(encoded)
  }
  const only = parts[0]
  return { role: 'user', content: parts.length === 1 && only?.type === 'text' ? only.text : parts }
}

function encodeUserPart(part: ContentPart): OpenAIChatContentPartParam | { error: string } | undefined {
  if (part.type === 'text') return part.text.trim() === '' ? undefined : { type: 'text', text: part.text }
  if (part.type === 'image') {
    const url = imageUrl(part.source)
    if (url === undefined) return { error: 'An image given by file id cannot be sent to this model' }
    return { type: 'image_url', image_url: part.detail === undefined ? { url } : { url, detail: part.detail } }
  }
  if (part.type === 'document') {
    const source = part.source
    if (source.kind === 'text') return { type: 'text', text: source.text }
    if (source.kind === 'file') return { type: 'file', file: { file_id: source.fileId } }
    if (source.kind === 'base64' && source.mediaType === 'application/pdf') {
      const filename = part.filename ?? part.title ?? 'document.pdf'
      return { type: 'file', file: { file_data: `data:application/pdf;base64,${source.data}`, filename } }
    }
    return { error: `A ${source.kind === 'url' ? 'URL' : source.mediaType} document cannot be sent to this model; only PDF data and text are` }
  }
  // Reasoning and tool calls never stand in a user turn; nothing to send.
  return undefined
}

function imageUrl(source: MediaSource): string | undefined {
  if (source.kind === 'base64') return `data:${source.mediaType};base64,${source.data}`
  return source.kind === 'url' ? source.url : undefined
}

/** Text joined and tool calls of one assistant turn; reasoning is dropped, since Chat takes none back. */
function encodeAssistant(message: CanonicalMessage, context: Context): Extract<OpenAIChatMessageParam, { role: 'assistant' }> | undefined {
  const text = message.content.map((part) => (part.type === 'text' ? part.text : '')).join('')
  const calls = message.content.filter((part) => part.type === 'tool-call').map((call) => encodeToolCall(call, context.toolNames))
  const dropped = message.content.filter((part) => part.type === 'image' || part.type === 'document' || part.type === 'tool-result')
  if (dropped.length > 0) context.warnings.push({ code: 'unsupported_content', message: `An assistant turn held ${dropped[0]?.type} parts, which Chat assistant messages cannot; dropped` })
  if (text === '' && calls.length === 0) return undefined
  return calls.length === 0 ? { role: 'assistant', content: text } : { role: 'assistant', content: text === '' ? null : text, tool_calls: calls }
}

/** Arguments are JSON text already; an empty one (a call without parameters) becomes `{}`, which Chat parses. */
function encodeToolCall(call: ToolCallPart, toolNames: ToolNameMap): OpenAIChatToolCall {
  const args = call.arguments.trim() === '' ? '{}' : call.arguments
  return { id: sanitizeToolId(call.id), type: 'function', function: { name: recordToolName(toolNames, call.name), arguments: args } }
}
