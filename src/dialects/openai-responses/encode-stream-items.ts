import type { CanonicalStreamEvent } from '../../core/canonical.ts'
import type { Usage } from '../../core/usage.ts'
import {
  customToolInput,
  newMessageItem,
  newReasoningItem,
  newToolCallItem,
  outputText,
  setEncryptedContent,
  type EncodeResponseOptions,
} from './encode-response.ts'
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
 * The items of a Responses event stream as encode-stream.ts writes them: the encoder's state, and each kind of output
 * item (a run of text as one message, reasoning, a function or custom tool call) from `output_item.added` to
 * `output_item.done`, every event numbered as it is written.
 */

type EncodeStreamOptions = EncodeResponseOptions

/** The message of the current run of text blocks; `block` is the text block whose part is open, if any. */
export type TextRun = { item: OpenAIResponseOutputMessage; outputIndex: number; block: number | undefined }

/** A reasoning or tool-call item being written. Custom tool input is held whole: see closeToolCall. */
export type OpenBlock =
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

export type Unnumbered<Event> = Event extends unknown ? Omit<Event, 'sequence_number'> : never
export type StreamEvent = Unnumbered<OpenAIResponseStreamEvent>

/** Adds an item at the next output_index. */
export function addItem(state: EncodeStreamState, item: OpenAIResponseOutputItem): OpenAIResponseSseFrame {
  const outputIndex = state.output.push(item) - 1
  return emit(state, { type: 'response.output_item.added', output_index: outputIndex, item })
}

export function textDelta(state: EncodeStreamState, options: EncodeStreamOptions, index: number, text: string): OpenAIResponseSseFrame[] {
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
export function closeTextPart(state: EncodeStreamState, run: TextRun): OpenAIResponseSseFrame[] {
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
export function closeRun(state: EncodeStreamState, status: OpenAIResponseItemStatus): OpenAIResponseSseFrame[] {
  const run = state.run
  if (run === undefined) return []
  const frames = closeTextPart(state, run)
  run.item.status = status
  state.run = undefined
  return [...frames, emit(state, { type: 'response.output_item.done', output_index: run.outputIndex, item: run.item })]
}

export function openReasoning(state: EncodeStreamState, options: EncodeStreamOptions, index: number, redactedData?: string): OpenAIResponseSseFrame[] {
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

export function reasoningDelta(state: EncodeStreamState, options: EncodeStreamOptions, index: number, text: string): OpenAIResponseSseFrame[] {
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

export function closeReasoning(
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

export function openToolCall(
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

export function toolCallDelta(state: EncodeStreamState, index: number, argumentsDelta: string): OpenAIResponseSseFrame[] {
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
export function closeToolCall(
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

/** Numbers an event and writes it as a frame named by its type. */
export function emit(state: EncodeStreamState, event: StreamEvent): OpenAIResponseSseFrame {
  return { event: event.type, data: JSON.stringify({ ...event, sequence_number: state.nextSequenceNumber++ }) }
}
