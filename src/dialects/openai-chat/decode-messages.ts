import type { CacheControl, CanonicalMessage, CanonicalRequest, ContentPart, Warning } from '../../core/canonical.ts'
import type { TranslationFailure } from './decode-request.ts'
import { arrayOf, isRecord, recordOf, stringOf } from './wire.ts'
import { parseDataUrl } from '../../core/data-url.ts'

/*
 * Chat `messages` → canonical system blocks and turns (WIRE.md §2.2). System and developer messages are hoisted into
 * `system` in order, wherever they stood; a run of `tool` (or legacy `function`) messages becomes one user turn of
 * tool results in the order the assistant made the calls, followed by the next user message's own content.
 */

type ToolResultPart = Extract<ContentPart, { type: 'tool-result' }>

/** System blocks and turns of a Chat conversation, or the part that cannot be carried. */
export type DecodedMessages = { system: CanonicalRequest['system']; messages: CanonicalMessage[] } | { error: TranslationFailure }

type Conversation = {
  system: CanonicalRequest['system']
  messages: CanonicalMessage[]
  /** Tool results waiting for the user turn they open. */
  results: ToolResultPart[]
  /** Ids of the latest assistant turn's calls, in call order. */
  callOrder: string[]
  /** The id given to the latest legacy `function_call`, which a `function` message answers. */
  legacyCallId: string | undefined
}

/** Decodes `messages`; `warnings` collects what was dropped on the way. */
export function decodeMessages(rawMessages: unknown[], warnings: Warning[]): DecodedMessages {
  const conversation: Conversation = { system: [], messages: [], results: [], callOrder: [], legacyCallId: undefined }
  for (const [messageIndex, raw] of rawMessages.entries()) {
    const message = recordOf(raw)
    const param = `messages.[${messageIndex}]`
    const role = message.role
    if (role === 'system' || role === 'developer') {
      const blocks = decodeSystem(message.content, param)
      if ('error' in blocks) return blocks
      conversation.system.push(...blocks)
    } else if (role === 'user') {
      const content = decodeUserContent(message.content, param)
      if ('error' in content) return content
      const turn = [...takeResults(conversation), ...content]
      if (turn.length > 0) conversation.messages.push({ role: 'user', content: turn })
    } else if (role === 'assistant') {
      flushResults(conversation)
      const content = decodeAssistant(message, messageIndex, conversation, warnings)
      if (content.length > 0) conversation.messages.push({ role: 'assistant', content })
    } else if (role === 'tool' || role === 'function') {
      const toolCallId = role === 'tool' ? (stringOf(message.tool_call_id) ?? '') : (conversation.legacyCallId ?? legacyCallId(messageIndex))
      conversation.results.push({ type: 'tool-result', toolCallId, content: textParts(message.content), isError: false })
    } else {
      return { error: { param: `${param}.role`, message: `Unsupported message role: ${String(role)}` } }
    }
  }
  flushResults(conversation)
  return { system: conversation.system, messages: conversation.messages }
}

/** The pending tool results in the order of the calls they answer; unknown ids keep their place after them. */
function takeResults(conversation: Conversation): ToolResultPart[] {
  const rank = (result: ToolResultPart) => {
    const index = conversation.callOrder.indexOf(result.toolCallId)
    return index === -1 ? conversation.callOrder.length : index
  }
  const results = conversation.results.toSorted((left, right) => rank(left) - rank(right))
  conversation.results = []
  return results
}

function flushResults(conversation: Conversation): void {
  if (conversation.results.length > 0) conversation.messages.push({ role: 'user', content: takeResults(conversation) })
}

function legacyCallId(messageIndex: number): string {
  return `call_function_${messageIndex}`
}

/** `prompt_cache_breakpoint` marks the end of a cacheable prefix, as Anthropic's `cache_control` does. */
function cacheControlOf(part: Record<string, unknown>): { cacheControl?: CacheControl } {
  return isRecord(part.prompt_cache_breakpoint) ? { cacheControl: { type: 'ephemeral' } } : {}
}

function decodeSystem(content: unknown, param: string): CanonicalRequest['system'] | { error: TranslationFailure } {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }]
  const blocks: CanonicalRequest['system'] = []
  for (const [partIndex, raw] of arrayOf(content).entries()) {
    const part = recordOf(raw)
    const text = stringOf(part.text)
    if (part.type !== 'text' || text === undefined) {
      return { error: { param: `${param}.content.[${partIndex}]`, message: 'System and developer messages take text parts only' } }
    }
    if (text !== '') blocks.push({ text, ...cacheControlOf(part) })
  }
  return blocks
}

/** Text of a `tool` or `function` message: a string or text parts; empty text is no content. */
function textParts(content: unknown): Array<{ type: 'text'; text: string }> {
  const texts = typeof content === 'string' ? [content] : arrayOf(content).map((part) => stringOf(recordOf(part).text) ?? '')
  return texts.filter((text) => text !== '').map((text) => ({ type: 'text', text }))
}

function decodeUserContent(content: unknown, param: string): ContentPart[] | { error: TranslationFailure } {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  const parts: ContentPart[] = []
  for (const [partIndex, raw] of arrayOf(content).entries()) {
    const part = decodeUserPart(recordOf(raw), `${param}.content.[${partIndex}]`)
    if ('error' in part) return part
    if (part.type !== 'text' || part.text !== '') parts.push(part)
  }
  return parts
}

function decodeUserPart(part: Record<string, unknown>, param: string): ContentPart | { error: TranslationFailure } {
  const cache = cacheControlOf(part)
  if (part.type === 'text') return { type: 'text', text: stringOf(part.text) ?? '', ...cache }
  if (part.type === 'image_url') {
    const imageUrl = recordOf(part.image_url)
    const url = stringOf(imageUrl.url) ?? ''
    const detail = detailOf(imageUrl.detail)
    if (!url.startsWith('data:')) return { type: 'image', source: { kind: 'url', url }, ...detail, ...cache }
    const data = parseDataUrl(url)
    if (data === undefined || !data.mediaType.startsWith('image/')) {
      return { error: { param, message: 'image_url must be an http(s) URL or a base64 data URL of an image' } }
    }
    return { type: 'image', source: { kind: 'base64', ...data }, ...detail, ...cache }
  }
  if (part.type === 'file') return decodeFilePart(recordOf(part.file), param, cache)
  if (part.type === 'input_audio') return { error: { param, message: 'input_audio parts cannot be translated for this model' } }
  return { error: { param, message: `Unsupported content part type: ${String(part.type)}` } }
}

function detailOf(value: unknown): { detail?: 'auto' | 'low' | 'high' } {
  return value === 'auto' || value === 'low' || value === 'high' ? { detail: value } : {}
}

function decodeFilePart(file: Record<string, unknown>, param: string, cache: { cacheControl?: CacheControl }): ContentPart | { error: TranslationFailure } {
  const filename = stringOf(file.filename)
  const named = filename === undefined ? {} : { filename }
  const fileId = stringOf(file.file_id)
  const fileData = stringOf(file.file_data)
  if (fileData === undefined) {
    if (fileId === undefined) return { error: { param, message: 'A file part needs file_data or file_id' } }
    return { type: 'document', source: { kind: 'file', fileId }, ...named, ...cache }
  }
  // Some clients send bare base64 for a named PDF; everything else must say its media type.
  const data = fileData.startsWith('data:')
    ? parseDataUrl(fileData)
    : filename?.toLowerCase().endsWith('.pdf') === true
      ? { mediaType: 'application/pdf', data: fileData }
      : undefined
  if (data === undefined) return { error: { param, message: 'file_data must be a base64 data URL' } }
  return { type: 'document', source: { kind: 'base64', ...data }, ...named, ...cache }
}


function decodeAssistant(message: Record<string, unknown>, messageIndex: number, conversation: Conversation, warnings: Warning[]): ContentPart[] {
  const content: ContentPart[] = []
  const texts: string[] = typeof message.content === 'string' ? [message.content] : arrayOf(message.content).map(assistantPartText)
  const refusal = stringOf(message.refusal)
  if (texts.join('') === '' && refusal !== undefined) texts.push(refusal)
  for (const text of texts) if (text !== '') content.push({ type: 'text', text })
  const calls = arrayOf(message.tool_calls).map((call) => decodeToolCall(recordOf(call), warnings))
  if (isRecord(message.function_call)) {
    conversation.legacyCallId = legacyCallId(messageIndex)
    calls.push({ type: 'tool-call', id: conversation.legacyCallId, ...functionOf(message.function_call) })
  }
  conversation.callOrder = calls.map((call) => call.id)
  content.push(...calls)
  return content
}

function assistantPartText(raw: unknown): string {
  const part = recordOf(raw)
  return stringOf(part.type === 'refusal' ? part.refusal : part.text) ?? ''
}

/** A function's name and its arguments as JSON text; clients that send an object get it serialised. */
function functionOf(raw: unknown): { name: string; arguments: string } {
  const fn = recordOf(raw)
  const args = fn.arguments
  return { name: stringOf(fn.name) ?? '', arguments: typeof args === 'string' ? args : args === undefined ? '' : JSON.stringify(args) }
}

function decodeToolCall(call: Record<string, unknown>, warnings: Warning[]): Extract<ContentPart, { type: 'tool-call' }> {
  const id = stringOf(call.id) ?? ''
  if (call.type !== 'custom') return { type: 'tool-call', id, ...functionOf(call.function) }
  // A freeform call has no JSON arguments; Anvat's scheme wraps its input as {input} (WIRE.md §3.1).
  const custom = recordOf(call.custom)
  warnings.push({ code: 'adjusted_field', message: `Custom tool call ${id}: its input was wrapped as {"input": …}` })
  return { type: 'tool-call', id, name: stringOf(custom.name) ?? '', arguments: JSON.stringify({ input: stringOf(custom.input) ?? '' }) }
}
