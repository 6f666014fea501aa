import type { CanonicalStreamEvent } from '../../core/canonical.ts'
import { promptTokens, type Usage } from '../../core/usage.ts'
import type { Transducer } from '../../core/transducer.ts'
import { anthropicErrorType } from './error.ts'
import { clientToolUseId } from './encode-content.ts'
import { encodeFinishReason } from './finish-reason.ts'
import { toolInputRepairSuffix } from './tool-input.ts'
import type { AnthropicSseFrame } from './wire.ts'

/*
 * Canonical stream events → the exact Anthropic event sequence (WIRE.md §1.2, §2.6): `message_start` and one `ping`,
 * then blocks with sequential indices, one open at a time (edges 19, 29), then `message_delta` and `message_stop`, or
 * `error` and nothing after (edge 25). Text and thinking blocks yield: when something else needs a block they close,
 * and later text opens a new one. A tool call holds the block until its end, and everything for other blocks waits
 * meanwhile, so interleaved calls come out contiguous (edge 5).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */

/** What the client's stream is stamped with. */
export type EncodeStreamOptions = {
  /** The `msg_…` id the client sees. */
  id: string
  /** The model id the client asked for. */
  model: string
  /** Input tokens for `message_start` until the upstream reports its own (never 0: edge 7). */
  inputTokensEstimate: number
}

/** The block currently open on the wire, and the canonical block it belongs to. */
type OpenBlock = { kind: 'text' | 'thinking' | 'tool'; source: number; wireIndex: number; argumentsText: string }

/** What the stream encoder holds between events. */
export type EncodeStreamState = {
  started: boolean
  nextIndex: number
  open: OpenBlock | undefined
  /** Canonical indices that already had a block: a tool call or thinking gets only one. */
  opened: Set<number>
  /** Events for other blocks, held while a tool call holds the open block. */
  deferred: ContentEvent[]
  usage: Usage
  sawToolCall: boolean
  /** `message_stop` or `error` went out: nothing follows. */
  ended: boolean
}

type ContentEvent = Extract<CanonicalStreamEvent, { index: number }>

/** A transducer writing one Anthropic stream for the client, from canonical events. */
export function encodeStream(options: EncodeStreamOptions): Transducer<EncodeStreamState, CanonicalStreamEvent, AnthropicSseFrame> {
  return {
    init: () => ({
      started: false,
      nextIndex: 0,
      open: undefined,
      opened: new Set(),
      deferred: [],
      usage: { input: options.inputTokensEstimate, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 1, reasoning: 0 },
      sawToolCall: false,
      ended: false,
    }),
    step: (state, event) => {
      if (state.ended) return []
      if (event.type === 'error') return fail(state, event.error)
      const frames = state.started ? [] : start(state, options, event.type === 'message-start' ? event.usage : undefined)
      switch (event.type) {
        case 'message-start':
          return frames
        case 'usage':
          state.usage = event.usage
          return frames
        case 'finish':
          return [...frames, ...finishMessage(state, options, event)]
        default:
          return [...frames, ...content(state, options, event)]
      }
    },
    // Input that ends without `finish` or `error` was cut, which is never a success (WIRE.md §2.5).
    flush: (state) => (state.ended ? [] : fail(state, { status: 502, type: 'api_error', message: 'the upstream stream ended before it finished' })),
  }
}

function start(state: EncodeStreamState, options: EncodeStreamOptions, upstreamUsage: Usage | undefined): AnthropicSseFrame[] {
  state.started = true
  // Real figures beat the estimate when the upstream gave them this early; a zero prompt would empty Claude Code's
  // context meter (edge 7), so it falls back to the estimate.
  if (upstreamUsage !== undefined && promptTokens(upstreamUsage) > 0) state.usage = upstreamUsage
  const usage = state.usage
  const message = {
    id: options.id,
    type: 'message',
    role: 'assistant',
    content: [],
    model: options.model,
    stop_reason: null,
    stop_sequence: null,
    usage: { ...wireUsage(usage), output_tokens: Math.max(1, usage.output) },
  }
  return [frame('message_start', { type: 'message_start', message }), frame('ping', { type: 'ping' })]
}

/** Closes every block, writes what was held, then `message_delta` (with the last usage) and `message_stop`. */
function finishMessage(state: EncodeStreamState, options: EncodeStreamOptions, event: Extract<CanonicalStreamEvent, { type: 'finish' }>): AnthropicSseFrame[] {
  const frames = drain(state, options)
  const stopReason = encodeFinishReason(event.reason, { sawToolCall: state.sawToolCall, stopSequence: event.stopSequence })
  const stopSequence = stopReason === 'stop_sequence' ? event.stopSequence : null
  const stop = { stop_reason: stopReason, stop_sequence: stopSequence }
  frames.push(frame('message_delta', { type: 'message_delta', delta: stop, usage: wireUsage(state.usage) }))
  frames.push(frame('message_stop', { type: 'message_stop' }))
  state.ended = true
  return frames
}

/** The four usage fields `message_start` and `message_delta` carry (WIRE.md §4). */
function wireUsage(usage: Usage): Record<string, number> {
  return {
    input_tokens: usage.input,
    cache_creation_input_tokens: usage.cacheWrite5m + usage.cacheWrite1h,
    cache_read_input_tokens: usage.cacheRead,
    output_tokens: usage.output,
  }
}

/** One content event: held while another block's tool call is open, else written. */
function content(state: EncodeStreamState, options: EncodeStreamOptions, event: ContentEvent): AnthropicSseFrame[] {
  if (state.open?.kind === 'tool' && state.open.source !== event.index) {
    state.deferred.push(event)
    return []
  }
  switch (event.type) {
    case 'text-delta':
      if (event.text === '') return []
      return [...openBlock(state, 'text', event.index), delta(state, { type: 'text_delta', text: event.text })]
    case 'reasoning-start':
      if (event.redactedData === undefined) return []
      // Redacted thinking comes whole: its block starts and stops at once.
      return [
        ...closeOpen(state),
        frame('content_block_start', { type: 'content_block_start', index: state.nextIndex, content_block: { type: 'redacted_thinking', data: event.redactedData } }),
        frame('content_block_stop', { type: 'content_block_stop', index: state.nextIndex++ }),
      ]
    case 'reasoning-delta':
      if (event.text === '' || isYielded(state, 'thinking', event.index)) return []
      return [...openBlock(state, 'thinking', event.index), delta(state, { type: 'thinking_delta', thinking: event.text })]
    case 'reasoning-end': {
      const signature = event.signature ?? ''
      // Thinking with no text but a signature is real (adaptive `display:"omitted"`) and must reach the client (edge 31).
      const canOpen = signature !== '' && !state.opened.has(event.index)
      if (!isOpen(state, 'thinking', event.index) && !canOpen) return []
      const frames = openBlock(state, 'thinking', event.index)
      if (signature !== '') frames.push(delta(state, { type: 'signature_delta', signature }))
      return [...frames, ...closeOpen(state)]
    }
    case 'tool-call-start': {
      if (state.opened.has(event.index)) return []
      const frames = closeOpen(state)
      state.sawToolCall = true
      const id = clientToolUseId(event.id, options.id, state.nextIndex)
      const block = { type: 'tool_use', id, name: event.name, input: {} }
      frames.push(frame('content_block_start', { type: 'content_block_start', index: state.nextIndex, content_block: block }))
      state.open = { kind: 'tool', source: event.index, wireIndex: state.nextIndex++, argumentsText: '' }
      state.opened.add(event.index)
      return frames
    }
    case 'tool-call-delta': {
      const open = state.open
      if (open?.kind !== 'tool' || open.source !== event.index) return []
      // Leading whitespace means nothing in JSON; sent alone it would leave the client an unparsable input.
      const fragment = open.argumentsText === '' ? event.argumentsDelta.trimStart() : event.argumentsDelta
      if (fragment === '') return []
      open.argumentsText += fragment
      return [delta(state, { type: 'input_json_delta', partial_json: fragment })]
    }
    case 'text-end':
    case 'tool-call-end': {
      const kind = event.type === 'text-end' ? 'text' : 'tool'
      if (!isOpen(state, kind, event.index)) return []
      return [...closeOpen(state), ...replay(state, options)]
    }
    case 'text-start':
      return []
  }
}

/** Writes the events held while a tool call had the block, holding again any that meet another tool call. */
function replay(state: EncodeStreamState, options: EncodeStreamOptions): AnthropicSseFrame[] {
  const held = state.deferred
  state.deferred = []
  return held.flatMap((event) => content(state, options, event))
}

/** Closes every block and writes everything held, for `finish`. */
function drain(state: EncodeStreamState, options: EncodeStreamOptions): AnthropicSseFrame[] {
  const frames = closeOpen(state)
  // Each round writes at least the first held event, so this ends.
  while (state.deferred.length > 0) frames.push(...replay(state, options), ...closeOpen(state))
  return frames
}

/** Opens a block of `kind` for canonical block `source` unless it is the open one, closing whatever was open. */
function openBlock(state: EncodeStreamState, kind: 'text' | 'thinking', source: number): AnthropicSseFrame[] {
  if (isOpen(state, kind, source)) return []
  const frames = closeOpen(state)
  const block = kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' }
  frames.push(frame('content_block_start', { type: 'content_block_start', index: state.nextIndex, content_block: block }))
  state.open = { kind, source, wireIndex: state.nextIndex++, argumentsText: '' }
  state.opened.add(source)
  return frames
}

function closeOpen(state: EncodeStreamState): AnthropicSseFrame[] {
  const open = state.open
  if (open === undefined) return []
  const frames: AnthropicSseFrame[] = []
  // Arguments cut short get their closing brackets, so the client parses an object (edge 21).
  const suffix = open.kind === 'tool' ? toolInputRepairSuffix(open.argumentsText) : undefined
  if (suffix !== undefined) frames.push(delta(state, { type: 'input_json_delta', partial_json: suffix }))
  frames.push(frame('content_block_stop', { type: 'content_block_stop', index: open.wireIndex }))
  state.open = undefined
  return frames
}

function isOpen(state: EncodeStreamState, kind: OpenBlock['kind'], source: number): boolean {
  return state.open?.kind === kind && state.open.source === source
}

/** A thinking block that lost the block to something else: its signature would not match a second part. */
function isYielded(state: EncodeStreamState, kind: 'thinking', source: number): boolean {
  return state.opened.has(source) && !isOpen(state, kind, source)
}

function delta(state: EncodeStreamState, body: Record<string, unknown>): AnthropicSseFrame {
  return frame('content_block_delta', { type: 'content_block_delta', index: state.open?.wireIndex ?? 0, delta: body })
}

function fail(state: EncodeStreamState, error: { status: number; type: string; message: string }): AnthropicSseFrame[] {
  // An open block is closed first (WIRE.md §2.6); the error body is Anthropic's own shape (edge 25).
  const frames = closeOpen(state)
  state.ended = true
  state.deferred = []
  const type = knownErrorTypes.has(error.type) ? error.type : anthropicErrorType(error.status)
  frames.push(frame('error', { type: 'error', error: { type, message: error.message } }))
  return frames
}

/** Error types an Anthropic client knows, read off the one table in error.ts. */
const knownErrorTypes = new Set([400, 401, 402, 403, 404, 413, 429, 500, 504, 529].map(anthropicErrorType))

function frame(event: string, data: Record<string, unknown>): AnthropicSseFrame {
  return { event, data: JSON.stringify(data) }
}
