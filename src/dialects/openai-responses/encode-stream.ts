import type { CanonicalStreamEvent } from '../../core/canonical.ts'
import { classifyUpstreamStatus, gatewayError } from '../../core/error.ts'
import type { Transducer } from '../../core/transducer.ts'
import { zeroUsage, type Usage } from '../../core/usage.ts'
import {
  customToolInput,
  newMessageItem,
  newReasoningItem,
  newToolCallItem,
  outputText,
  responseObject,
  setEncryptedContent,
  stoppedWithErrorMessage,
  toolCallStatus,
  type EncodeResponseOptions,
} from './encode-response.ts'
import { encodeError } from './error.ts'
import { encodeFinishReason } from './finish-reason.ts'
import { encodeUsage } from './usage.ts'
import type {
  OpenAIResponseCustomToolCall,
  OpenAIResponseFunctionToolCall,
  OpenAIResponseItemStatus,
  OpenAIResponseOutputItem,
  OpenAIResponseOutputMessage,
  OpenAIResponseReasoningItem,
  OpenAIResponseSseFrame,
  OpenAIResponseStreamEvent,
} from './wire.ts'

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
export type EncodeStreamOptions = EncodeResponseOptions

/** The message of the current run of text blocks; `block` is the text block whose part is open, if any. */
type TextRun = { item: OpenAIResponseOutputMessage; outputIndex: number; block: number | undefined }

/** A reasoning or tool-call item being written. Custom tool input is held whole: see closeToolCall. */
type OpenBlock =
  | { kind: 'reasoning'; item: OpenAIResponseReasoningItem; outputIndex: number }
  | { kind: 'function'; item: OpenAIResponseFunctionToolCall; outputIndex: number }
  | { kind: 'custom'; item: OpenAIResponseCustomToolCall; outputIndex: number; argumentsText: string }

/** What the stream encoder holds between events. */
export type EncodeStreamState = {
  nextSequenceNumber: number
  started: boolean
  /** A terminal event went out: nothing follows. */
  ended: boolean
  /** Every item added so far, by output_index; open ones grow in place, so this is always the response's output. */
  output: OpenAIResponseOutputItem[]
  run: TextRun | undefined
  /** Reasoning and tool-call items still open, by canonical block index. */
  open: Map<number, OpenBlock>
  /** Canonical blocks already ended: anything later for them is dropped. */
  closed: Set<number>
  usage: Usage | undefined
}

type Unnumbered<Event> = Event extends unknown ? Omit<Event, 'sequence_number'> : never
type StreamEvent = Unnumbered<OpenAIResponseStreamEvent>

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

/** Adds an item at the next output_index. */
function addItem(state: EncodeStreamState, item: OpenAIResponseOutputItem): OpenAIResponseSseFrame {
  const outputIndex = state.output.push(item) - 1
  return emit(state, { type: 'response.output_item.added', output_index: outputIndex, item })
}

function textDelta(state: EncodeStreamState, options: EncodeStreamOptions, index: number, text: string): OpenAIResponseSseFrame[] {
  if (text === '' || state.closed.has(index)) return []
  const frames: OpenAIResponseSseFrame[] = []
  let run = state.run
  if (run === undefined) {
    const item = newMessageItem(options.responseKey, state.output.length)
    run = { item, outputIndex: state.output.length, block: undefined }
    state.run = run
    frames.push(addItem(state, item))
  }
  const ref = { item_id: run.item.id, output_index: run.outputIndex }
  if (run.block !== index) {
    frames.push(...closeTextPart(state, run))
    run.block = index
    run.item.content.push(outputText(''))
    frames.push(emit(state, { type: 'response.content_part.added', ...ref, content_index: run.item.content.length - 1, part: outputText('') }))
  }
  const contentIndex = run.item.content.length - 1
  const part = run.item.content[contentIndex] as OpenAIResponseOutputMessage['content'][number]
  part.text += text
  frames.push(emit(state, { type: 'response.output_text.delta', ...ref, content_index: contentIndex, delta: text, logprobs: [] }))
  return frames
}

/** Ends the open text part of the run; the message itself stays open for the next text block. */
function closeTextPart(state: EncodeStreamState, run: TextRun): OpenAIResponseSseFrame[] {
  if (run.block === undefined) return []
  state.closed.add(run.block)
  run.block = undefined
  const ref = { item_id: run.item.id, output_index: run.outputIndex, content_index: run.item.content.length - 1 }
  const part = run.item.content[ref.content_index] as OpenAIResponseOutputMessage['content'][number]
  return [
    emit(state, { type: 'response.output_text.done', ...ref, text: part.text, logprobs: [] }),
    emit(state, { type: 'response.content_part.done', ...ref, part }),
  ]
}

/** Ends the run of text: its last part, then the message. */
function closeRun(state: EncodeStreamState, status: OpenAIResponseItemStatus): OpenAIResponseSseFrame[] {
  const run = state.run
  if (run === undefined) return []
  const frames = closeTextPart(state, run)
  run.item.status = status
  state.run = undefined
  return [...frames, emit(state, { type: 'response.output_item.done', output_index: run.outputIndex, item: run.item })]
}

function openReasoning(state: EncodeStreamState, options: EncodeStreamOptions, index: number, redactedData?: string): OpenAIResponseSseFrame[] {
  if (state.open.has(index) || state.closed.has(index)) return []
  const frames = closeRun(state, 'completed')
  const item = newReasoningItem(options.responseKey, state.output.length)
  const outputIndex = state.output.length
  frames.push(addItem(state, item))
  if (redactedData === undefined) {
    state.open.set(index, { kind: 'reasoning', item, outputIndex })
    return frames
  }
  // Redacted thinking comes whole and has no readable summary: the item is added and done at once.
  state.closed.add(index)
  setEncryptedContent(item, { type: 'redacted-reasoning', data: redactedData }, options)
  return [...frames, emit(state, { type: 'response.output_item.done', output_index: outputIndex, item })]
}

function reasoningDelta(state: EncodeStreamState, options: EncodeStreamOptions, index: number, text: string): OpenAIResponseSseFrame[] {
  if (text === '') return []
  const frames = state.open.has(index) ? [] : openReasoning(state, options, index)
  const block = state.open.get(index)
  if (block?.kind !== 'reasoning') return frames
  const ref = { item_id: block.item.id, output_index: block.outputIndex, summary_index: 0 }
  let summary = block.item.summary[0]
  if (summary === undefined) {
    summary = { type: 'summary_text', text: '' }
    block.item.summary.push(summary)
    frames.push(emit(state, { type: 'response.reasoning_summary_part.added', ...ref, part: { type: 'summary_text', text: '' } }))
  }
  summary.text += text
  frames.push(emit(state, { type: 'response.reasoning_summary_text.delta', ...ref, delta: text }))
  return frames
}

function closeReasoning(
  state: EncodeStreamState,
  options: EncodeStreamOptions,
  index: number,
  block: Extract<OpenBlock, { kind: 'reasoning' }>,
  signature: string | undefined,
): OpenAIResponseSseFrame[] {
  state.open.delete(index)
  state.closed.add(index)
  const frames: OpenAIResponseSseFrame[] = []
  const summary = block.item.summary[0]
  if (summary !== undefined) {
    const ref = { item_id: block.item.id, output_index: block.outputIndex, summary_index: 0 }
    frames.push(emit(state, { type: 'response.reasoning_summary_text.done', ...ref, text: summary.text }))
    frames.push(emit(state, { type: 'response.reasoning_summary_part.done', ...ref, part: summary }))
  }
  setEncryptedContent(block.item, { type: 'reasoning', text: summary?.text ?? '', signature }, options)
  frames.push(emit(state, { type: 'response.output_item.done', output_index: block.outputIndex, item: block.item }))
  return frames
}

function openToolCall(
  state: EncodeStreamState,
  options: EncodeStreamOptions,
  event: Extract<CanonicalStreamEvent, { type: 'tool-call-start' }>,
): OpenAIResponseSseFrame[] {
  if (state.open.has(event.index) || state.closed.has(event.index)) return []
  const frames = closeRun(state, 'completed')
  const outputIndex = state.output.length
  const item = newToolCallItem(options, outputIndex, event)
  const block: OpenBlock = item.type === 'function_call' ? { kind: 'function', item, outputIndex } : { kind: 'custom', item, outputIndex, argumentsText: '' }
  state.open.set(event.index, block)
  return [...frames, addItem(state, item)]
}

function toolCallDelta(state: EncodeStreamState, index: number, argumentsDelta: string): OpenAIResponseSseFrame[] {
  const block = state.open.get(index)
  if (block?.kind === 'custom') block.argumentsText += argumentsDelta
  if (block?.kind !== 'function') return []
  // Leading whitespace means nothing in JSON; the arguments start at their first real character (edge 21).
  const fragment = block.item.arguments === '' ? argumentsDelta.trimStart() : argumentsDelta
  if (fragment === '') return []
  block.item.arguments += fragment
  return [emit(state, { type: 'response.function_call_arguments.delta', item_id: block.item.id, output_index: block.outputIndex, delta: fragment })]
}

/**
 * Ends a tool call. A call without arguments gets `{}`, as one delta, so the deltas still add up to the final
 * arguments. A custom tool's input is the `input` string inside the JSON arguments (`{"input": "…"}`), which cannot be
 * cut out of a partial JSON text reliably (escapes split across fragments), so the arguments were held whole and the
 * input goes out here as one delta followed by its `done`.
 */
function closeToolCall(
  state: EncodeStreamState,
  index: number,
  block: Extract<OpenBlock, { kind: 'function' | 'custom' }>,
  status: OpenAIResponseItemStatus,
): OpenAIResponseSseFrame[] {
  state.open.delete(index)
  state.closed.add(index)
  const frames: OpenAIResponseSseFrame[] = []
  const ref = { item_id: block.item.id, output_index: block.outputIndex }
  if (block.kind === 'function') {
    const item = block.item
    if (item.arguments === '') {
      item.arguments = '{}'
      frames.push(emit(state, { type: 'response.function_call_arguments.delta', ...ref, delta: item.arguments }))
    }
    frames.push(emit(state, { type: 'response.function_call_arguments.done', ...ref, name: item.name, arguments: item.arguments }))
  } else {
    const input = customToolInput(block.argumentsText)
    if (input !== '') frames.push(emit(state, { type: 'response.custom_tool_call_input.delta', ...ref, delta: input }))
    block.item.input = input
    frames.push(emit(state, { type: 'response.custom_tool_call_input.done', ...ref, input }))
  }
  block.item.status = status
  frames.push(emit(state, { type: 'response.output_item.done', output_index: block.outputIndex, item: block.item }))
  return frames
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

/** Numbers an event and writes it as a frame named by its type. */
function emit(state: EncodeStreamState, event: StreamEvent): OpenAIResponseSseFrame {
  return { event: event.type, data: JSON.stringify({ ...event, sequence_number: state.nextSequenceNumber++ }) }
}
