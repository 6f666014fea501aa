import type { CanonicalResponse, ContentPart, Warning } from '../../core/canonical.ts'
import { decodeFinishReason } from './finish-reason.ts'
import { decodeUsage } from './usage.ts'
import { arrayOf, recordOf, stringOf } from './wire.ts'

/*
 * A whole Anthropic Messages response → canonical (WIRE.md §1.2). Server-tool blocks (`server_tool_use`,
 * `web_search_tool_result`, …) have no neutral form yet and are dropped with a Warning; text citations likewise.
 * @see https://docs.anthropic.com/en/api/messages#response-content
 */

/** Decodes a Messages response body into canonical form and what it could not carry. */
export function decodeResponse(body: unknown): { response: CanonicalResponse; warnings: Warning[] } {
  const message = recordOf(body)
  const warnings: Warning[] = []
  const content: ContentPart[] = []
  for (const item of arrayOf(message.content)) {
    const block = recordOf(item)
    switch (block.type) {
      case 'text':
        if (Array.isArray(block.citations) && block.citations.length > 0) {
          warnings.push({ code: 'dropped_field', message: 'dropped text citations: the translation cannot carry them' })
        }
        content.push({ type: 'text', text: stringOf(block.text) ?? '' })
        break
      case 'thinking':
        content.push({ type: 'reasoning', text: stringOf(block.thinking) ?? '', signature: stringOf(block.signature) ?? '' })
        break
      case 'redacted_thinking':
        content.push({ type: 'redacted-reasoning', data: stringOf(block.data) ?? '' })
        break
      case 'tool_use':
        content.push({ type: 'tool-call', id: stringOf(block.id) ?? '', name: stringOf(block.name) ?? '', arguments: JSON.stringify(recordOf(block.input)) })
        break
      default:
        warnings.push({ code: 'unsupported_content', message: `dropped a \`${String(block.type)}\` block: the translation cannot carry it` })
    }
  }
  const response: CanonicalResponse = {
    id: stringOf(message.id) ?? '',
    model: stringOf(message.model) ?? '',
    content,
    finish: decodeFinishReason(stringOf(message.stop_reason) ?? null),
    stopSequence: stringOf(message.stop_sequence) ?? null,
    usage: decodeUsage(message.usage),
  }
  return { response, warnings }
}
