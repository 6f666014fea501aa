import Anthropic from '@anthropic-ai/sdk'
import type { SseFrame } from '../../../src/core/stream.ts'
import { createSseDecoder, encodeSseFrames } from '../../../src/translate/sse.ts'
import type { AnthropicSseFrame } from '../../../src/dialects/anthropic/wire.ts'
import { rechunk } from '../../support/fixtures.ts'

/*
 * Helpers for the Anthropic stream codec tests: frames from fixture bytes through the project's one SSE parser, a
 * strict checker of the event order Anthropic clients rely on, and the official SDK's accumulator over our bytes.
 */

/** The fixtures recorded from Anthropic's streaming API. */
export const streamFixtures = [
  'text',
  'thinking',
  'tool-use',
  'thinking-tool-use',
  'multibyte',
  'cut',
  'error-midstream',
] as const

/** Frames of an SSE text, fed to the decoder in chunks of `chunkBytes` (whole when omitted). */
export function framesOf(text: string, chunkBytes?: number): SseFrame[] {
  const decoder = createSseDecoder()
  const chunks = chunkBytes === undefined ? [new TextEncoder().encode(text)] : rechunk(text, chunkBytes)
  return [...chunks.flatMap((chunk) => decoder.push(chunk)), ...decoder.end()]
}

/** The bytes a client receives for these frames. */
export function bytesOf(frames: AnthropicSseFrame[]): Uint8Array {
  return Buffer.from(encodeSseFrames(frames))
}

/**
 * Throws on any order an Anthropic client would choke on: `message_start` first and once, sequential block indices,
 * one block open at a time, deltas of the open block's own type (Claude Code's "Mismatched content block type"),
 * `signature_delta` only in thinking, and nothing after `message_stop` or `error`.
 */
export function checkEventOrder(frames: AnthropicSseFrame[]): void {
  let started = false
  let ended = false
  let nextIndex = 0
  let open: { index: number; type: string } | undefined
  const allowed: Record<string, string[]> = {
    text: ['text_delta', 'citations_delta'],
    thinking: ['thinking_delta', 'signature_delta'],
    tool_use: ['input_json_delta'],
    redacted_thinking: [],
  }
  frames.forEach((frame, position) => {
    const data = JSON.parse(frame.data) as { type: string; index?: number; content_block?: { type: string }; delta?: { type: string } }
    const fault = (what: string) => new Error(`event ${position} (${frame.event}): ${what}`)
    if (data.type !== frame.event) throw fault(`data.type is ${data.type}`)
    if (ended) throw fault('event after the end')
    if (frame.event === 'error') return void (ended = true)
    if (frame.event === 'message_start') {
      if (started) throw fault('second message_start')
      return void (started = true)
    }
    if (!started) throw fault('before message_start')
    if (frame.event === 'content_block_start') {
      if (open !== undefined) throw fault(`block ${open.index} is still open`)
      if (data.index !== nextIndex++) throw fault(`index ${data.index} is out of sequence`)
      open = { index: data.index, type: data.content_block?.type ?? '' }
    } else if (frame.event === 'content_block_delta') {
      if (open === undefined || open.index !== data.index) throw fault(`delta for block ${data.index}, which is not open`)
      if (!(allowed[open.type] ?? []).includes(data.delta?.type ?? '')) throw fault(`${data.delta?.type} in a ${open.type} block`)
    } else if (frame.event === 'content_block_stop') {
      if (open === undefined || open.index !== data.index) throw fault(`stop for block ${data.index}, which is not open`)
      open = undefined
    } else if (frame.event === 'message_delta' || frame.event === 'message_stop') {
      if (open !== undefined) throw fault(`block ${open.index} is still open`)
      if (frame.event === 'message_stop') ended = true
    }
  })
}

/** The message the official SDK's `MessageStream` accumulates from these bytes; rejects as the SDK would. */
export async function sdkFinalMessage(bytes: Uint8Array): Promise<Anthropic.Message> {
  const client = new Anthropic({
    apiKey: 'test-key',
    baseURL: 'http://anvat.test',
    maxRetries: 0,
    fetch: async () => new Response(bytes, { headers: { 'content-type': 'text/event-stream' } }),
  })
  const stream = client.messages.stream({ model: 'claude-test', max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }] })
  return stream.finalMessage()
}
