import type { ReasoningPart } from '../../core/canonical.ts'

/*
 * Claude's thinking, carried through a Responses client (WIRE.md §3.1, §3.2). A `reasoning` output item's
 * `encrypted_content` is the only field Codex and the AI SDK hand back untouched, so it holds everything needed to
 * restore the original block byte for byte: `anvat-v1:` + base64url(JSON). The thinking text is visible in the item's
 * summary anyway, so nothing is disclosed that the client has not seen. Content that is not ours (an OpenAI model's
 * own encrypted reasoning) unpacks to undefined and is dropped before an Anthropic upstream.
 */

export const reasoningContentPrefix = 'anvat-v1:'

type PackedReasoning = { kind: 'anthropic-thinking'; thinking: string; signature: string } | { kind: 'anthropic-redacted-thinking'; data: string }

/** `encrypted_content` for one Claude thinking (or redacted thinking) block; a block without a signature has none. */
export function packReasoningContent(part: ReasoningPart): string | undefined {
  let payload: PackedReasoning
  if (part.type === 'redacted-reasoning') payload = { kind: 'anthropic-redacted-thinking', data: part.data }
  else if (part.signature !== undefined) payload = { kind: 'anthropic-thinking', thinking: part.text, signature: part.signature }
  else return undefined
  return reasoningContentPrefix + Buffer.from(JSON.stringify(payload)).toString('base64url')
}

/** The block an `encrypted_content` was packed from, or undefined when it is not the gateway's (or is damaged). */
export function unpackReasoningContent(encryptedContent: string): ReasoningPart | undefined {
  if (!encryptedContent.startsWith(reasoningContentPrefix)) return undefined
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(encryptedContent.slice(reasoningContentPrefix.length), 'base64url').toString('utf8'))
  } catch {
    // Not decodable: treated like foreign content, dropped.
    return undefined
  }
  if (typeof payload !== 'object' || payload === null) return undefined
  const packed = payload as Record<string, unknown>
  if (packed.kind === 'anthropic-thinking' && typeof packed.thinking === 'string' && typeof packed.signature === 'string') {
    return { type: 'reasoning', text: packed.thinking, signature: packed.signature }
  }
  if (packed.kind === 'anthropic-redacted-thinking' && typeof packed.data === 'string') return { type: 'redacted-reasoning', data: packed.data }
  return undefined
}
