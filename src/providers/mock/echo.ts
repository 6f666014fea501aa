/*
 * What the built-in `anvat-echo` model says: "Echo: " and the caller's last user text, one word per output token,
 * cut at the caller's output limit. Token counts are estimates (about four characters a token) so that usage looks
 * like a real model's without loading a tokenizer.
 */

export type EchoReply = {
  /** Output pieces, each one token: a word with its following space. */
  pieces: string[]
  /** True when the output limit cut the reply short. */
  truncated: boolean
  inputTokens: number
  outputTokens: number
}

const charactersPerToken = 4
const messageOverheadTokens = 4

/** Builds the reply to `text` within `outputTokensMax`, charging `promptText` as input. */
export function echoReply(text: string, promptText: string, messageCount: number, outputTokensMax: number | undefined): EchoReply {
  const trimmed = text.trim()
  const reply = trimmed === '' ? 'Hello from anvat-echo.' : `Echo: ${trimmed}`
  const allPieces = reply.match(/\S+\s*/g) ?? [reply]
  const limit = outputTokensMax ?? Number.POSITIVE_INFINITY
  const pieces = allPieces.slice(0, Math.max(0, limit))
  return {
    pieces,
    truncated: pieces.length < allPieces.length,
    inputTokens: Math.max(1, Math.ceil(promptText.length / charactersPerToken) + messageCount * messageOverheadTokens),
    outputTokens: Math.max(1, pieces.length),
  }
}

/** The text of a content value in any dialect: a string, or the `text` of its text-like parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map((part: unknown) => {
      if (typeof part !== 'object' || part === null) return ''
      const record = part as Record<string, unknown>
      if (typeof record.text === 'string') return record.text
      if (record.type === 'tool_result') return contentText(record.content)
      return ''
    })
    .filter((text) => text !== '')
    .join('\n')
}

/** Groups pieces into a few deltas, as real models stream several tokens per event. */
export function deltas(pieces: string[], piecesPerDelta = 3): string[] {
  const result: string[] = []
  for (let index = 0; index < pieces.length; index += piecesPerDelta) {
    result.push(pieces.slice(index, index + piecesPerDelta).join(''))
  }
  return result
}

const encoder = new TextEncoder()

/** A finished SSE body as a stream of one chunk per event, the way an upstream writes it. */
export function eventStream(events: string[]): ReadableStream<Uint8Array> {
  let index = 0
  return new ReadableStream<Uint8Array>({
    pull: (controller) => {
      const event = events[index++]
      if (event === undefined) controller.close()
      else controller.enqueue(encoder.encode(event))
    },
  })
}

export const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }
export const jsonHeaders = { 'content-type': 'application/json' }
