import type { CanonicalStreamEvent } from '../../core/canonical.ts'
import type { Usage } from '../../core/usage.ts'
import { fallbackToolCallId } from './decode-response.ts'

/*
 * The block bookkeeping of the Chat stream decoder (WIRE.md §2.6). Canonical blocks are contiguous: one is open at
 * a time, and once ended it takes nothing more. Chat deltas are not so tidy, so:
 * - text opens a block only once it holds more than whitespace (an empty or blank block breaks Anthropic replays,
 *   edge 1); until then, and while a tool call is still being written, it is held;
 * - reasoning counts only before any text or tool call; later fragments are dropped (edge 20), so alternating
 *   reasoning and content cannot shred the answer into dozens of blocks, and thinking never follows text (edge 24);
 * - a tool call streams live while it is the open block and ends as soon as its arguments form a complete JSON value;
 *   fragments of other calls meanwhile are buffered per call and sent whole, start → one delta → end (edge 5).
 */

/** One upstream tool call being assembled. */
export type ToolCallBuffer = {
  upstreamIndex: number
  id: string
  name: string
  arguments: string
  /** Block index once started; undefined while buffered. */
  index: number | undefined
  /** No more arguments are expected: they form a whole JSON value, or a new call took over its upstream index. */
  complete: boolean
  ended: boolean
  scan: { phase: 'before' | 'inside' | 'opaque'; depth: number; inString: boolean; escaped: boolean }
}

type OpenBlock = { kind: 'text' | 'reasoning'; index: number } | { kind: 'tool'; call: ToolCallBuffer } | undefined

/** Everything the Chat stream decoder remembers between frames. */
export type DecodeStreamState = {
  started: boolean
  /** A finish or an error went out: the stream is over. */
  done: boolean
  id: string
  nextIndex: number
  open: OpenBlock
  /** Text waiting for a block: only whitespace so far, or a tool call is still being written. */
  heldText: string
  /** A text block or a tool call has begun: reasoning from now on is dropped. */
  contentBegun: boolean
  calls: ToolCallBuffer[]
  refusal: boolean
  /** The upstream's `finish_reason`, once it came; the finish event waits for the usage chunk. */
  finishReason: string | undefined
  usage: Usage | undefined
}

/** A fresh decoder state. */
export function initialDecodeStreamState(): DecodeStreamState {
  return {
    started: false,
    done: false,
    id: '',
    nextIndex: 0,
    open: undefined,
    heldText: '',
    contentBegun: false,
    calls: [],
    refusal: false,
    finishReason: undefined,
    usage: undefined,
  }
}

/** Ends the open block, if any. */
export function closeBlock(state: DecodeStreamState, out: CanonicalStreamEvent[]): void {
  const open = state.open
  if (open === undefined) return
  if (open.kind === 'tool') {
    out.push({ type: 'tool-call-end', index: open.call.index ?? 0 })
    open.call.ended = true
    // Its arguments went out already; a long stream of calls need not hold them all.
    open.call.arguments = ''
  } else {
    out.push({ type: open.kind === 'text' ? 'text-end' : 'reasoning-end', index: open.index })
  }
  state.open = undefined
}

/** A fragment of answer text. */
export function addText(state: DecodeStreamState, text: string, out: CanonicalStreamEvent[]): void {
  if (text === '') return
  if (state.open?.kind === 'text') {
    out.push({ type: 'text-delta', index: state.open.index, text })
    return
  }
  state.heldText += text
  releaseText(state, out)
}

/** A fragment of reasoning, kept only while no text or tool call has begun. */
export function addReasoning(state: DecodeStreamState, text: string, out: CanonicalStreamEvent[]): void {
  if (text === '' || state.contentBegun || state.heldText.trim() !== '') return
  let open = state.open
  if (open?.kind !== 'reasoning') {
    closeBlock(state, out)
    open = { kind: 'reasoning', index: state.nextIndex++ }
    state.open = open
    out.push({ type: 'reasoning-start', index: open.index })
  }
  out.push({ type: 'reasoning-delta', index: open.index, text })
}

/** One `tool_calls[]` entry of a delta, its fields as far as they were sent. */
export type ToolCallFragment = { index: number | undefined; id: string | undefined; name: string | undefined; arguments: string }

/** A fragment of a tool call: a new call, or more arguments for one already seen. */
export function addToolCallFragment(state: DecodeStreamState, fragment: ToolCallFragment, out: CanonicalStreamEvent[]): void {
  const call = resolveCall(state, fragment)
  if (call.name === '' && fragment.name !== undefined && call.index === undefined) call.name = fragment.name
  // Arguments after a call ended can only be trailing whitespace or noise; its block cannot take them.
  if (!call.ended && fragment.arguments !== '') {
    call.arguments += fragment.arguments
    scanJson(call, fragment.arguments)
    if (state.open?.kind === 'tool' && state.open.call === call) out.push({ type: 'tool-call-delta', index: call.index ?? 0, argumentsDelta: fragment.arguments })
  }
  settle(state, out, false)
}

/** The upstream finished: every call is complete, held text goes out, and the last block ends. */
export function closeAll(state: DecodeStreamState, out: CanonicalStreamEvent[]): void {
  for (const call of state.calls) call.complete = true
  settle(state, out, true)
  state.heldText = ''
  closeBlock(state, out)
}

/**
 * Same upstream index with a new id is a new call (upstreams that give every call index 0); a fragment without an
 * index belongs to the call its id names, else to the latest call, unless it starts one.
 */
function resolveCall(state: DecodeStreamState, fragment: ToolCallFragment): ToolCallBuffer {
  const id = fragment.id === '' ? undefined : fragment.id
  const byId = id === undefined ? undefined : state.calls.findLast((call) => call.id === id)
  const startsCall = id !== undefined || (fragment.name ?? '') !== ''
  const upstreamIndex = fragment.index ?? byId?.upstreamIndex ?? (startsCall ? -1 - state.calls.length : (state.calls.at(-1)?.upstreamIndex ?? 0))
  const existing = state.calls.findLast((call) => call.upstreamIndex === upstreamIndex)
  if (existing !== undefined && (id === undefined || id === existing.id)) return existing
  if (existing !== undefined) existing.complete = true
  const call: ToolCallBuffer = {
    upstreamIndex,
    id: id ?? fallbackToolCallId(state.id, state.calls.length),
    name: fragment.name ?? '',
    arguments: '',
    index: undefined,
    complete: false,
    ended: false,
    scan: { phase: 'before', depth: 0, inString: false, escaped: false },
  }
  state.calls.push(call)
  state.contentBegun = true
  return call
}

/**
 * Brings the blocks up to date: ends the open call once complete, then starts buffered calls in the order they
 * came (each whole if complete, else left open to stream live), then releases held text if nothing blocks it.
 * `force` starts calls that still lack a name (at finish, nothing more will come).
 */
function settle(state: DecodeStreamState, out: CanonicalStreamEvent[], force: boolean): void {
  for (;;) {
    const open = state.open
    if (open?.kind === 'tool' && open.call.complete) closeBlock(state, out)
    if (state.open?.kind === 'tool') break
    const next = state.calls.find((call) => call.index === undefined)
    if (next === undefined || (next.name === '' && !force)) break
    closeBlock(state, out)
    next.index = state.nextIndex++
    out.push({ type: 'tool-call-start', index: next.index, id: next.id, name: next.name })
    if (next.arguments !== '') out.push({ type: 'tool-call-delta', index: next.index, argumentsDelta: next.arguments })
    state.open = { kind: 'tool', call: next }
  }
  releaseText(state, out)
}

function releaseText(state: DecodeStreamState, out: CanonicalStreamEvent[]): void {
  if (state.heldText.trim() === '') return
  if (state.open?.kind === 'tool' || state.calls.some((call) => call.index === undefined)) return
  closeBlock(state, out)
  const index = state.nextIndex++
  state.open = { kind: 'text', index }
  state.contentBegun = true
  out.push({ type: 'text-start', index })
  out.push({ type: 'text-delta', index, text: state.heldText })
  state.heldText = ''
}

/**
 * Follows the arguments character by character (strings, escapes, nesting) to see when an object or array closes,
 * in time linear in their length. Arguments that do not open with `{` or `[` are complete only at finish.
 */
function scanJson(call: ToolCallBuffer, text: string): void {
  const scan = call.scan
  for (const character of text) {
    if (call.complete || scan.phase === 'opaque') return
    if (scan.phase === 'before') {
      if (character.trim() === '') continue
      scan.phase = character === '{' || character === '[' ? 'inside' : 'opaque'
      scan.depth = 1
    } else if (scan.inString) {
      if (scan.escaped) scan.escaped = false
      else if (character === '\\') scan.escaped = true
      else if (character === '"') scan.inString = false
    } else if (character === '"') {
      scan.inString = true
    } else if (character === '{' || character === '[') {
      scan.depth++
    } else if (character === '}' || character === ']') {
      scan.depth--
      if (scan.depth === 0) call.complete = true
    }
  }
}
