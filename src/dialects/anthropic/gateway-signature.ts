import { gatewaySignaturePrefix } from './encode-content.ts'

/** What a gateway-owned signature carries: where the reasoning came from, and what is needed to send it back. */
export type GatewaySignaturePayload = { kind: string; id?: string; encryptedContent?: string }

/**
 * Signs reasoning the gateway synthesised from another dialect (an OpenAI-compatible `reasoning_content`, a
 * Responses reasoning item): `anvat-v1:` + base64url(JSON). Clients such as Claude Code keep a thinking block's
 * signature and nothing else, so this is where the state survives a round trip. It never reaches Anthropic: the
 * pre-flight drops `anvat-v1:` blocks before any Anthropic upstream sees them (WIRE.md §2.3).
 */
export function packGatewaySignature(payload: GatewaySignaturePayload): string {
  return gatewaySignaturePrefix + Buffer.from(JSON.stringify(payload)).toString('base64url')
}

/** The payload of a gateway-owned signature, or undefined for any other signature (or a damaged one). */
export function unpackGatewaySignature(signature: string): GatewaySignaturePayload | undefined {
  if (!signature.startsWith(gatewaySignaturePrefix)) return undefined
  try {
    const payload = JSON.parse(Buffer.from(signature.slice(gatewaySignaturePrefix.length), 'base64url').toString('utf8')) as unknown
    if (typeof payload !== 'object' || payload === null || typeof (payload as { kind?: unknown }).kind !== 'string') return undefined
    return payload as GatewaySignaturePayload
  } catch {
    // A signature that does not decode is not ours: treated like any foreign one, dropped on the way upstream.
    return undefined
  }
}

/**
 * A Messages body without the thinking blocks the gateway signed: after a client switches from a translated model to
 * a Claude model mid-conversation, those blocks would fail Anthropic's signature check (edge 9). The body is
 * rewritten only when it holds one, so ordinary passthrough keeps its bytes.
 */
export function stripGatewayThinking(bodyText: string): string {
  if (!bodyText.includes(gatewaySignaturePrefix)) return bodyText
  const body = JSON.parse(bodyText) as { messages?: Array<{ content?: unknown }> }
  let stripped = false
  for (const message of body.messages ?? []) {
    if (!Array.isArray(message.content)) continue
    const kept = message.content.filter(
      (block: unknown) =>
        !(typeof block === 'object' && block !== null && (block as { type?: unknown }).type === 'thinking' && String((block as { signature?: unknown }).signature ?? '').startsWith(gatewaySignaturePrefix)),
    )
    if (kept.length !== message.content.length) {
      message.content = kept
      stripped = true
    }
  }
  return stripped ? JSON.stringify(body) : bodyText
}
