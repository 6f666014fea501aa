import type { CanonicalStreamEvent } from '../../core/canonical.ts'
import { classifyUpstreamStatus, gatewayError } from '../../core/error.ts'
import type { Transducer } from '../../core/transducer.ts'
import { zeroUsage } from '../../core/usage.ts'
import { responseObject, stoppedWithErrorMessage, toolCallStatus, type EncodeResponseOptions } from './encode-response.ts'
import {
  closeReasoning,
  closeRun,
  closeTextPart,
  closeToolCall,
  emit,
  openReasoning,
  openToolCall,
  reasoningDelta,
  textDelta,
  toolCallDelta,
  type EncodeStreamState,
} from './encode-stream-items.ts'
import { encodeError } from './error.ts'
import { encodeFinishReason } from './finish-reason.ts'
import { encodeUsage } from './usage.ts'
import type { OpenAIResponseItemStatus, OpenAIResponseSseFrame } from './wire.ts'

/*
 * Canonical stream events → a Responses event stream (WIRE.md §1.4, §3.2): `response.created` and
 * `response.in_progress`, then each output item from `output_item.added` to `output_item.done`, then one terminal
 * event carrying the whole response (`response.completed`, `.incomplete`, or `error` + `response.failed`), and
 * nothing after it. Every event is numbered by one `sequence_number` from 0; `output_index` is the number of items
 * added before. Items are keyed by canonical block index, so each event names its own item even if blocks overlap.
 *
 * Items open lazily where an empty one would mislead: a message at its first text (consecutive text blocks share
 * it, one `output_text` part each), a reasoning summary part at its first summary text (the API sends no summary
 * part for an empty summary). A message stays open after its text block ends, until something other than text
 * comes, so that a run of text blocks stays one message, as encodeResponse builds it.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */

/** The same options as encodeResponse: the stream ends with the response object that would have returned. */
export type { EncodeStreamState } from './encode-stream-items.ts'
export type EncodeStreamOptions = EncodeResponseOptions


/** A transducer writing one Responses stream for the client, from canonical events. */
export function encodeStream(options: EncodeStreamOptions): Transducer<EncodeStreamState, CanonicalStreamEvent, OpenAIResponseSseFrame> {
  return {
    init: () => ({ nextSequenceNumber: 0, started: false, ended: false, output: [], run: undefined, open: new Map(), closed: new Set(), usage: undefined }),
    step: (state, event) => {
      if (state.ended) return []
      // Any first event starts the response: the SDK's accumulator refuses anything before `response.created`.
      const frames = state.started ? [] : start(state, options)
      frames.push(...encodeEvent(state, options, event))
      return frames
    },
    // Input that ends without a finish or an error was cut: the client must see a failure, not a clean end (edge 27).
    flush: (state) => {
      if (state.ended) return []
      const frames = state.started ? [] : start(state, options)
      return [...frames, ...fail(state, options, 502, 'The upstream stream ended before it finished')]
    },
  }
}

function encodeEvent(state: EncodeStreamState, options: EncodeStreamOptions, event: CanonicalStreamEvent): OpenAIResponseSseFrame[] {
  switch (event.type) {
    case 'message-start':
      if (event.usage !== undefined) state.usage = event.usage
      return []
    case 'usage':
      state.usage = event.usage
      return []
    case 'text-start':
      return []
    case 'text-delta':
      return textDelta(state, options, event.index, event.text)
    case 'text-end': {
      state.closed.add(event.index)
      return state.run?.block === event.index ? closeTextPart(state, state.run) : []
    }
    case 'reasoning-start':
      return openReasoning(state, options, event.index, event.redactedData)
    case 'reasoning-delta':
      return reasoningDelta(state, options, event.index, event.text)
    case 'reasoning-end': {
      // A block with no text but a signature is real (adaptive thinking with its display omitted): it gets an item.
      const frames = !state.open.has(event.index) && event.signature !== undefined ? openReasoning(state, options, event.index) : []
      const block = state.open.get(event.index)
      return block?.kind === 'reasoning' ? [...frames, ...closeReasoning(state, options, event.index, block, event.signature)] : frames
    }
    case 'tool-call-start':
      return openToolCall(state, options, event)
    case 'tool-call-delta':
      return toolCallDelta(state, event.index, event.argumentsDelta)
    case 'tool-call-end': {
      const block = state.open.get(event.index)
      if (block?.kind === 'function') return closeToolCall(state, event.index, block, toolCallStatus(block.item.arguments))
      return block?.kind === 'custom' ? closeToolCall(state, event.index, block, toolCallStatus(block.argumentsText)) : []
    }
    case 'finish':
      return finish(state, options, event.reason)
    case 'error':
      return fail(state, options, event.error.status, event.error.message)
  }
}

function start(state: EncodeStreamState, options: EncodeStreamOptions): OpenAIResponseSseFrame[] {
  state.started = true
  const response = responseObject(options, { status: 'in_progress', error: null, incomplete_details: null, output: [], usage: null })
  return [emit(state, { type: 'response.created', response }), emit(state, { type: 'response.in_progress', response })]
}

/** Closes every open item, in output order, then the terminal event with the whole response. */
function finish(state: EncodeStreamState, options: EncodeStreamOptions, reason: Extract<CanonicalStreamEvent, { type: 'finish' }>['reason']): OpenAIResponseSseFrame[] {
  const ending = encodeFinishReason(reason)
  if (ending.status === 'failed') return fail(state, options, 502, stoppedWithErrorMessage)
  // An item the answer was cut off in is incomplete, as the API marks it.
  const itemStatus: OpenAIResponseItemStatus = ending.status === 'completed' ? 'completed' : 'incomplete'
  const closers: Array<{ outputIndex: number; close: () => OpenAIResponseSseFrame[] }> = []
  if (state.run !== undefined) closers.push({ outputIndex: state.run.outputIndex, close: () => closeRun(state, itemStatus) })
  for (const [index, block] of state.open) {
    const close = () => (block.kind === 'reasoning' ? closeReasoning(state, options, index, block, undefined) : closeToolCall(state, index, block, itemStatus))
    closers.push({ outputIndex: block.outputIndex, close })
  }
  const frames = closers.sort((left, right) => left.outputIndex - right.outputIndex).flatMap((closer) => closer.close())
  state.ended = true
  const response = responseObject(options, { ...ending, error: null, output: state.output, usage: encodeUsage(state.usage ?? zeroUsage) })
  frames.push(emit(state, { type: ending.status === 'completed' ? 'response.completed' : 'response.incomplete', response }))
  return frames
}

/**
 * `error`, then `response.failed` carrying what was written so far, open items marked incomplete. Open items get no
 * `output_item.done`: a client that keeps done items (Codex records them into its history) must not keep half of one
 * from a response that failed. The status is classified as every upstream error is; the event's `type` may be any
 * dialect's word.
 */
function fail(state: EncodeStreamState, options: EncodeStreamOptions, status: number, message: string): OpenAIResponseSseFrame[] {
  state.ended = true
  if (state.run !== undefined) state.run.item.status = 'incomplete'
  for (const block of state.open.values()) if (block.kind !== 'reasoning') block.item.status = 'incomplete'
  const body = encodeError(gatewayError(classifyUpstreamStatus(status), message, { status }), '').body.error
  const error = { code: body.code ?? body.type, message: body.message }
  const usage = state.usage === undefined ? null : encodeUsage(state.usage)
  const response = responseObject(options, { status: 'failed', error, incomplete_details: null, output: state.output, usage })
  return [emit(state, { type: 'error', ...error, param: null }), emit(state, { type: 'response.failed', response })]
}
