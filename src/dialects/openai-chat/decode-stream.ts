import type { CanonicalStreamEvent } from '../../core/canonical.ts'
import { classifyUpstreamStatus } from '../../core/error.ts'
import type { SseFrame } from '../../core/stream.ts'
import type { Transducer } from '../../core/transducer.ts'
import { reasoningText } from './decode-response.ts'
import {
  addReasoning,
  addText,
  addToolCallFragment,
  closeAll,
  closeBlock,
  initialDecodeStreamState,
  type DecodeStreamState,
  type ToolCallFragment,
} from './decode-stream-blocks.ts'
import { decodeFinishReason } from './finish-reason.ts'
import { decodeUsage } from './usage.ts'
import { arrayOf, isRecord, numberOf, recordOf, stringOf } from './wire.ts'

/*
 * Chat Completions stream frames → canonical stream events (WIRE.md §2.6). The first chunk that says anything
 * starts the message (Azure's opening `choices: []` + `prompt_filter_results` chunk says nothing, edge 18). The
 * `finish_reason` is remembered and the finish held until the usage chunk that follows it, `[DONE]` or the end of
 * input (edge 6). A stream that ends without a `finish_reason` was cut, and ends in an error, never a success.
 */

export type { DecodeStreamState } from './decode-stream-blocks.ts'

/** Decodes Chat chunks, frame by frame, into canonical events. */
export const decodeStream: Transducer<DecodeStreamState, SseFrame, CanonicalStreamEvent> = {
  init: initialDecodeStreamState,
  step: (state, frame) => {
    if (state.done) return []
    if (frame.data === '[DONE]') return endStream(state)
    const chunk = parseChunk(frame.data)
    if (chunk === undefined) return fail(state, { status: 502, message: 'The upstream sent a stream chunk that is not JSON' })
    if (isRecord(chunk.error)) return fail(state, upstreamError(chunk.error))
    // Some compatible servers name the event instead of wrapping the body in `error`.
    if (frame.event === 'error') return fail(state, upstreamError(chunk))
    return decodeChunk(state, chunk)
  },
  flush: (state) => (state.done ? [] : endStream(state)),
}

function decodeChunk(state: DecodeStreamState, chunk: Record<string, unknown>): CanonicalStreamEvent[] {
  const out: CanonicalStreamEvent[] = []
  const choice = arrayOf(chunk.choices).map(recordOf).find((candidate) => (numberOf(candidate.index) ?? 0) === 0)
  const usage = isRecord(chunk.usage) ? chunk.usage : undefined
  if (!state.started) {
    if (choice === undefined && usage === undefined) return out
    state.started = true
    state.id = stringOf(chunk.id) ?? ''
    out.push({ type: 'message-start', id: state.id, model: stringOf(chunk.model) ?? '' })
  }
  if (choice !== undefined && state.finishReason === undefined) {
    decodeDelta(state, recordOf(choice.delta), out)
    const finishReason = stringOf(choice.finish_reason)
    if (finishReason !== undefined) {
      closeAll(state, out)
      state.finishReason = finishReason
    }
  }
  if (usage !== undefined) {
    state.usage = decodeUsage(usage)
    if (state.finishReason !== undefined) out.push(...endStream(state))
  }
  return out
}

function decodeDelta(state: DecodeStreamState, delta: Record<string, unknown>, out: CanonicalStreamEvent[]): void {
  addReasoning(state, reasoningText(delta), out)
  addText(state, stringOf(delta.content) ?? '', out)
  const refusal = stringOf(delta.refusal) ?? ''
  if (refusal !== '') state.refusal = true
  addText(state, refusal, out)
  for (const fragment of toolCallFragments(delta)) addToolCallFragment(state, fragment, out)
}

/** `tool_calls` entries, or the legacy `function_call` as a call at index 0. */
function toolCallFragments(delta: Record<string, unknown>): ToolCallFragment[] {
  const fragments = arrayOf(delta.tool_calls).map((raw) => {
    const call = recordOf(raw)
    const fn = recordOf(call.function)
    return { index: numberOf(call.index), id: stringOf(call.id), name: stringOf(fn.name), arguments: stringOf(fn.arguments) ?? '' }
  })
  if (isRecord(delta.function_call)) {
    const fn = delta.function_call
    fragments.push({ index: 0, id: undefined, name: stringOf(fn.name), arguments: stringOf(fn.arguments) ?? '' })
  }
  return fragments
}

/** `[DONE]` or the end of input: the held finish goes out, after the usage; without a finish the stream was cut. */
function endStream(state: DecodeStreamState): CanonicalStreamEvent[] {
  if (state.finishReason === undefined) return fail(state, { status: 502, message: 'The upstream stream ended before it finished' })
  state.done = true
  const out: CanonicalStreamEvent[] = []
  if (state.usage !== undefined) out.push({ type: 'usage', usage: state.usage })
  const reason = decodeFinishReason(state.finishReason)
  // Tool calls are the truth, not the reason: Gemini, and OpenAI with a named tool, say "stop" (edge 23).
  if (state.calls.length > 0 && reason.unified !== 'length') reason.unified = 'tool-calls'
  else if (state.refusal && reason.unified === 'stop') reason.unified = 'content-filter'
  out.push({ type: 'finish', reason, stopSequence: null })
  return out
}

/** Ends the stream with an error, closing the open block first; buffered calls and held text are dropped. */
function fail(state: DecodeStreamState, error: { status: number; message: string }): CanonicalStreamEvent[] {
  const out: CanonicalStreamEvent[] = []
  closeBlock(state, out)
  state.done = true
  out.push({ type: 'error', error: { status: error.status, type: classifyUpstreamStatus(error.status), message: error.message } })
  return out
}

/**
 * HTTP status of an in-band error, which carries none of its own: a numeric `status` or `code` (OpenRouter) when
 * given, else the OpenAI `code` or `type`. The canonical `type` is then the gateway's classification of that status.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
const statusByErrorCode: Record<string, number> = {
  invalid_request_error: 400,
  context_length_exceeded: 400,
  invalid_api_key: 401,
  insufficient_quota: 429,
  rate_limit_exceeded: 429,
  server_error: 500,
  server_overloaded: 503,
}

function upstreamError(error: Record<string, unknown>): { status: number; message: string } {
  const numeric = numberOf(error.status) ?? numberOf(error.code)
  const word = stringOf(error.code) ?? stringOf(error.type) ?? ''
  const status = numeric !== undefined && numeric >= 400 && numeric <= 599 ? numeric : (Object.hasOwn(statusByErrorCode, word) ? statusByErrorCode[word] : undefined) ?? 500
  return { status, message: stringOf(error.message) ?? 'The upstream reported an error' }
}

function parseChunk(data: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(data)
    return isRecord(value) ? value : undefined
  } catch {
    // Not JSON: the caller turns this into an in-band error, so the failure is reported, not swallowed.
    return undefined
  }
}
