import type { CacheControl, ContentPart, MediaSource, Warning } from '../../core/canonical.ts'
import { arrayOf, isRecord, recordOf, stringOf } from './wire.ts'

/*
 * Anthropic message content blocks → canonical parts, for decodeRequest. A block the IR cannot carry is dropped with
 * a Warning naming it; nothing is turned into something it was not (a tool result never becomes user text).
 * @see https://docs.anthropic.com/en/api/messages#body-messages-content
 */

type ToolResultItem = Extract<ContentPart, { type: 'tool-result' }>['content'][number]

/** `cache_control` → canonical, or undefined when absent or not the one kind Anthropic has. */
export function decodeCacheControl(value: unknown): CacheControl | undefined {
  if (!isRecord(value) || value.type !== 'ephemeral') return undefined
  return value.ttl === '5m' || value.ttl === '1h' ? { type: 'ephemeral', ttl: value.ttl } : { type: 'ephemeral' }
}

/** An image or document `source` of kind base64, url or file → canonical. */
export function decodeMediaSource(value: unknown): MediaSource | undefined {
  const source = recordOf(value)
  const data = stringOf(source.data)
  const mediaType = stringOf(source.media_type)
  if (source.type === 'base64' && data !== undefined && mediaType !== undefined) return { kind: 'base64', mediaType, data }
  const url = stringOf(source.url)
  if (source.type === 'url' && url !== undefined) return { kind: 'url', url }
  const fileId = stringOf(source.file_id)
  if (source.type === 'file' && fileId !== undefined) return { kind: 'file', fileId }
  return undefined
}

/** Message `content` (a string or blocks) → canonical parts, in order. */
export function decodeContent(content: unknown, warnings: Warning[]): ContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }]
  const parts: ContentPart[] = []
  for (const block of arrayOf(content)) {
    const part = decodeBlock(recordOf(block), warnings)
    if (part !== undefined) parts.push(part)
  }
  return parts
}

function decodeBlock(block: Record<string, unknown>, warnings: Warning[]): ContentPart | undefined {
  const cacheControl = decodeCacheControl(block.cache_control)
  const withCache = cacheControl === undefined ? {} : { cacheControl }
  switch (block.type) {
    case 'text':
      if (block.citations !== undefined && block.citations !== null) warnings.push(dropped('text.citations'))
      return { type: 'text', text: stringOf(block.text) ?? '', ...withCache }
    case 'image': {
      const source = decodeMediaSource(block.source)
      if (source === undefined) return droppedBlock('image with an unreadable source', warnings)
      return { type: 'image', source, ...withCache }
    }
    case 'document':
      return decodeDocument(block, warnings)
    case 'tool_use':
      if (cacheControl !== undefined) warnings.push(dropped('tool_use.cache_control'))
      return { type: 'tool-call', id: stringOf(block.id) ?? '', name: stringOf(block.name) ?? '', arguments: JSON.stringify(recordOf(block.input)) }
    case 'tool_result':
      return {
        type: 'tool-result',
        toolCallId: stringOf(block.tool_use_id) ?? '',
        content: decodeToolResultContent(block.content, warnings),
        isError: block.is_error === true,
        ...withCache,
      }
    case 'thinking': {
      const signature = stringOf(block.signature)
      return { type: 'reasoning', text: stringOf(block.thinking) ?? '', ...(signature === undefined ? {} : { signature }) }
    }
    case 'redacted_thinking':
      return { type: 'redacted-reasoning', data: stringOf(block.data) ?? '' }
    default:
      return droppedBlock(`\`${String(block.type)}\` block`, warnings)
  }
}

function decodeDocument(block: Record<string, unknown>, warnings: Warning[]): ContentPart | undefined {
  const cacheControl = decodeCacheControl(block.cache_control)
  const title = stringOf(block.title)
  const extra = { ...(title === undefined ? {} : { title }), ...(cacheControl === undefined ? {} : { cacheControl }) }
  if (block.context !== undefined && block.context !== null) warnings.push(dropped('document.context'))
  if (block.citations !== undefined && block.citations !== null) warnings.push(dropped('document.citations'))
  const source = recordOf(block.source)
  if (source.type === 'text') return { type: 'document', source: { kind: 'text', text: stringOf(source.data) ?? '' }, ...extra }
  if (source.type === 'content') {
    // A custom-content document is a list of blocks: its text survives, anything else is reported.
    const parts = decodeContent(source.content, warnings)
    const texts = parts.flatMap((part) => (part.type === 'text' ? [part.text] : []))
    if (texts.length < parts.length) warnings.push(dropped('document content other than text'))
    return { type: 'document', source: { kind: 'text', text: texts.join('\n\n') }, ...extra }
  }
  const media = decodeMediaSource(source)
  if (media === undefined) return droppedBlock('document with an unreadable source', warnings)
  return { type: 'document', source: media, ...extra }
}

function decodeToolResultContent(content: unknown, warnings: Warning[]): ToolResultItem[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }]
  const items: ToolResultItem[] = []
  for (const part of decodeContent(content, warnings)) {
    if (part.type === 'text') items.push({ type: 'text', text: part.text })
    else if (part.type === 'image') items.push({ type: 'image', source: part.source })
    else warnings.push(dropped(`${part.type} inside tool_result`))
  }
  return items
}

function droppedBlock(what: string, warnings: Warning[]): undefined {
  warnings.push({ code: 'unsupported_content', message: `dropped a ${what}: the translation cannot carry it` })
  return undefined
}

function dropped(field: string): Warning {
  return { code: 'dropped_field', message: `dropped ${field}: the translation cannot carry it` }
}
