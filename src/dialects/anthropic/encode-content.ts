import type { CacheControl, ContentPart, MediaSource, Warning } from '../../core/canonical.ts'
import { sanitizeToolId } from '../../core/tool-id.ts'
import { parseToolInput } from './tool-input.ts'
import type { AnthropicBlockParam, AnthropicCacheControl, AnthropicMediaSource, AnthropicToolResultBlockParam } from './wire.ts'

/*
 * Canonical parts → Anthropic content blocks, one part at a time, for encodeRequest. What Anthropic would refuse is
 * left out here, with a Warning: empty text (edge 1), reasoning it did not sign (WIRE.md §2.3), blocks in a role
 * that may not hold them. Tool ids go through the one sanitiser (edge 2) and tool arguments become objects (edge 21).
 * @see https://docs.anthropic.com/en/api/messages#body-messages-content
 */

/** The prefix of signatures Anvat writes itself; Anthropic would reject them as invalid (WIRE.md §2.3). */
export const gatewaySignaturePrefix = 'anvat-v1:'

/** Canonical cache mark → Anthropic `cache_control`, as an object to spread. */
export function encodeCacheControl(cacheControl: CacheControl | undefined): { cache_control?: AnthropicCacheControl } {
  if (cacheControl === undefined) return {}
  return { cache_control: cacheControl.ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: cacheControl.ttl } }
}

/** Canonical media source → Anthropic `source`. */
export function encodeMediaSource(source: MediaSource): AnthropicMediaSource {
  if (source.kind === 'base64') return { type: 'base64', media_type: source.mediaType, data: source.data }
  if (source.kind === 'url') return { type: 'url', url: source.url }
  return { type: 'file', file_id: source.fileId }
}

/**
 * The `tool_use.id` a client sees: the upstream's id on Anthropic's pattern (edge 2), or, when the upstream gave none,
 * one derived from the message id and the block's position, so it is unique in the message and the same on a replay.
 */
export function clientToolUseId(id: string, messageId: string, position: number): string {
  return id === '' ? `toolu_${sanitizeToolId(messageId)}_${position}` : sanitizeToolId(id)
}

/** Whether text is empty once whitespace is ignored: Anthropic refuses such text blocks (edge 1). */
export function isBlankText(text: string): boolean {
  return text.trim() === ''
}

/** One canonical part in a turn of `role` → zero or one Anthropic block. */
export function encodePart(part: ContentPart, role: 'user' | 'assistant', warnings: Warning[]): AnthropicBlockParam[] {
  switch (part.type) {
    case 'text':
      return isBlankText(part.text) ? [] : [{ type: 'text', text: part.text, ...encodeCacheControl(part.cacheControl) }]
    case 'image':
      if (role !== 'user') return misplaced('image', role, warnings)
      return [{ type: 'image', source: encodeMediaSource(part.source), ...encodeCacheControl(part.cacheControl) }]
    case 'document': {
      if (role !== 'user') return misplaced('document', role, warnings)
      const source = part.source.kind === 'text' ? { type: 'text' as const, media_type: 'text/plain' as const, data: part.source.text } : encodeMediaSource(part.source)
      const title = part.title ?? part.filename
      return [{ type: 'document', source, ...(title === undefined ? {} : { title }), ...encodeCacheControl(part.cacheControl) }]
    }
    case 'tool-call': {
      if (role !== 'assistant') return misplaced('tool call', role, warnings)
      const { input, repaired } = parseToolInput(part.arguments)
      if (repaired) warnings.push({ code: 'repaired_tool_arguments', message: `tool call ${part.id}: arguments were not a JSON object and were repaired` })
      return [{ type: 'tool_use', id: sanitizeToolId(part.id), name: part.name, input }]
    }
    case 'tool-result':
      if (role !== 'user') return misplaced('tool result', role, warnings)
      return [encodeToolResult(part)]
    case 'reasoning':
      if (role !== 'assistant') return misplaced('reasoning', role, warnings)
      return encodeReasoning(part, warnings)
    case 'redacted-reasoning':
      if (role !== 'assistant') return misplaced('redacted reasoning', role, warnings)
      return [{ type: 'redacted_thinking', data: part.data }]
  }
}

function encodeToolResult(part: Extract<ContentPart, { type: 'tool-result' }>): AnthropicToolResultBlockParam {
  const content = part.content.flatMap((item): NonNullable<AnthropicToolResultBlockParam['content']> => {
    if (item.type === 'image') return [{ type: 'image', source: encodeMediaSource(item.source) }]
    return isBlankText(item.text) ? [] : [{ type: 'text', text: item.text }]
  })
  return {
    type: 'tool_result',
    tool_use_id: sanitizeToolId(part.toolCallId),
    // An empty result has no content at all: an empty text block would be refused (edge 1).
    ...(content.length === 0 ? {} : { content }),
    ...(part.isError ? { is_error: true } : {}),
    ...encodeCacheControl(part.cacheControl),
  }
}

function encodeReasoning(part: Extract<ContentPart, { type: 'reasoning' }>, warnings: Warning[]): AnthropicBlockParam[] {
  // Only Anthropic's own signatures go back to it, byte for byte (edge 9). Empty thinking with a signature is kept:
  // adaptive thinking with `display:"omitted"` produces exactly that (edge 31).
  if (part.signature === undefined || part.signature === '') {
    warnings.push({ code: 'dropped_reasoning', message: 'dropped reasoning without a signature: Anthropic accepts only its own signed thinking' })
    return []
  }
  if (part.signature.startsWith(gatewaySignaturePrefix)) {
    warnings.push({ code: 'dropped_reasoning', message: 'dropped reasoning from another provider: its signature is not Anthropic\'s' })
    return []
  }
  return [{ type: 'thinking', thinking: part.text, signature: part.signature }]
}

function misplaced(what: string, role: string, warnings: Warning[]): [] {
  warnings.push({ code: 'unsupported_content', message: `dropped a ${what} in a ${role} turn: Anthropic does not take it there` })
  return []
}
