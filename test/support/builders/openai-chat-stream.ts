import type { CanonicalStreamEvent } from '../../../src/core/canonical.ts'
import { decodeStream } from '../../../src/dialects/openai-chat/decode-stream.ts'
import { createSseDecoder } from '../../../src/translate/sse.ts'
import { runTransducer } from '../../../src/core/transducer.ts'
import { rechunk } from '../fixtures.ts'

/*
 * Synthetic Chat Completions streams, for sequences the recorded fixtures lack: interleaved parallel tool calls,
 * upstreams that give every call index 0, whole arguments at once, Azure's opening chunk. Chunks carry the same
 * envelope OpenAI writes; only the parts a test is about vary.
 */

const envelope = { id: 'chatcmpl-synthetic', object: 'chat.completion.chunk', created: 1760470000, model: 'synthetic-model' }

/** A chunk with one choice: `delta` and, when given, `finish_reason`. */
export function chatChunk(delta: Record<string, unknown>, finishReason: string | null = null): Record<string, unknown> {
  return { ...envelope, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], usage: null }
}

/** The usage-only chunk that follows the finish when `include_usage` is set. */
export function usageChunk(usage: Record<string, unknown> = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }): Record<string, unknown> {
  return { ...envelope, choices: [], usage }
}

/** A `tool_calls` delta of one entry; `id` and `name` only when given, as on a call's first fragment. */
export function toolCallDelta(index: number | undefined, fields: { id?: string; name?: string; arguments?: string }): Record<string, unknown> {
  const fn: Record<string, unknown> = {}
  if (fields.name !== undefined) fn.name = fields.name
  if (fields.arguments !== undefined) fn.arguments = fields.arguments
  const call: Record<string, unknown> = { function: fn }
  if (index !== undefined) call.index = index
  if (fields.id !== undefined) Object.assign(call, { id: fields.id, type: 'function' })
  return { tool_calls: [call] }
}

/** Azure OpenAI's first chunk: no choices, empty id and model, and the prompt's content-filter results. */
export const azurePromptFilterChunk: Record<string, unknown> = {
  choices: [],
  created: 0,
  id: '',
  model: '',
  object: '',
  prompt_filter_results: [{ prompt_index: 0, content_filter_results: { hate: { filtered: false, severity: 'safe' } } }],
}

/** SSE text of the chunks, `data:` lines only, ending in `[DONE]` unless `done` is false. */
export function chatStreamBody(chunks: Array<Record<string, unknown>>, done = true): string {
  const lines = chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`)
  return lines.join('') + (done ? 'data: [DONE]\n\n' : '')
}

/** Decodes a Chat stream body through the one SSE parser, fed `sizeBytes` at a time, into canonical events. */
export function decodeChatStream(body: string, sizeBytes = 64): CanonicalStreamEvent[] {
  const decoder = createSseDecoder()
  const frames = rechunk(body, sizeBytes).flatMap((chunk) => decoder.push(chunk))
  frames.push(...decoder.end())
  return runTransducer(decodeStream, frames)
}
