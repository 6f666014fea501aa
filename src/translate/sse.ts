/**
 * The project's one Server-Sent Events parser. It takes bytes as they arrive from the network and returns whole
 * events: `event:` and multi-line `data:` fields, `:` comments skipped, CRLF, CR and LF line ends, and UTF-8 or a
 * line end split anywhere across chunks. No other code splits a stream on blank lines.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

/** One dispatched event. `event` is undefined when the event had no `event:` field (OpenAI Chat streams). */
export type { SseFrame } from '../core/stream.ts'
import type { SseFrame } from '../core/stream.ts'

export type SseDecoder = {
  /** Feeds bytes; returns the events they complete. */
  push: (chunk: Uint8Array) => SseFrame[]
  /** The input ended: returns an event still open only if it was terminated by a line end (as browsers do, none). */
  end: () => SseFrame[]
}

type DecoderState = {
  text: string
  event: string | undefined
  data: string[]
  id: string | undefined
  hasFields: boolean
}

/** Creates an incremental decoder. */
export function createSseDecoder(): SseDecoder {
  const utf8 = new TextDecoder('utf-8')
  const state: DecoderState = { text: '', event: undefined, data: [], id: undefined, hasFields: false }
  return {
    push: (chunk) => {
      state.text += utf8.decode(chunk, { stream: true })
      return drainLines(state, false)
    },
    end: () => {
      state.text += utf8.decode()
      return drainLines(state, true)
    },
  }
}

function drainLines(state: DecoderState, final: boolean): SseFrame[] {
  const frames: SseFrame[] = []
  const text = state.text
  let lineStart = 0
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code !== 10 && code !== 13) continue
    // A CR at the very end may be the first half of a CRLF still in flight: wait for the next chunk.
    if (code === 13 && index === text.length - 1 && !final) break
    const frame = takeLine(state, text.slice(lineStart, index))
    if (frame !== undefined) frames.push(frame)
    if (code === 13 && text.charCodeAt(index + 1) === 10) index++
    lineStart = index + 1
  }
  state.text = text.slice(lineStart)
  return frames
}

function takeLine(state: DecoderState, line: string): SseFrame | undefined {
  if (line === '') {
    if (!state.hasFields) return undefined
    const frame: SseFrame = { event: state.event, data: state.data.join('\n'), id: state.id }
    state.event = undefined
    state.data = []
    state.hasFields = false
    return frame
  }
  if (line.charCodeAt(0) === 58) return undefined // ':' comment
  const colonIndex = line.indexOf(':')
  const field = colonIndex === -1 ? line : line.slice(0, colonIndex)
  let value = colonIndex === -1 ? '' : line.slice(colonIndex + 1)
  if (value.charCodeAt(0) === 32) value = value.slice(1)
  if (field === 'data') {
    state.data.push(value)
    state.hasFields = true
  } else if (field === 'event') {
    state.event = value
    state.hasFields = true
  } else if (field === 'id') {
    state.id = value
  }
  return undefined
}

const lineFeed = 10
const carriageReturn = 13

/**
 * Length of the prefix of `bytes` that holds only complete events, ending just after a blank line (`\n\n` or
 * `\r\n\r\n`). Passthrough forwards that prefix and holds the rest, so a comment or an error event it adds can never
 * land inside an event. Streams with bare-CR line ends are forwarded whole at their end.
 */
export function completeEventsLength(bytes: Uint8Array): number {
  for (let index = bytes.length - 1; index >= 1; index--) {
    if (bytes[index] !== lineFeed) continue
    const previous = bytes[index - 1]
    if (previous === lineFeed) return index + 1
    if (previous === carriageReturn && index >= 3 && bytes[index - 2] === lineFeed && bytes[index - 3] === carriageReturn) {
      return index + 1
    }
  }
  return 0
}

/** Splits bytes holding only complete events into one slice per event, each with its blank line. */
export function splitEvents(bytes: Uint8Array): Uint8Array[] {
  const events: Uint8Array[] = []
  let start = 0
  for (let index = 1; index < bytes.length; index++) {
    if (bytes[index] !== lineFeed) continue
    const previous = bytes[index - 1]
    const isEnd =
      previous === lineFeed ||
      (previous === carriageReturn && index >= 3 && bytes[index - 2] === lineFeed && bytes[index - 3] === carriageReturn)
    if (isEnd) {
      events.push(bytes.subarray(start, index + 1))
      start = index + 1
    }
  }
  if (start < bytes.length) events.push(bytes.subarray(start))
  return events
}

const encoder = new TextEncoder()

/**
 * Serialises events into one chunk, so the events one upstream chunk becomes reach the socket in one write. `data`
 * holds no line breaks when it is JSON.stringify output.
 */
export function encodeSseFrames(frames: ReadonlyArray<{ event?: string; data: string }>): Uint8Array {
  let text = ''
  for (const frame of frames) text += `${frame.event === undefined ? '' : `event: ${frame.event}\n`}data: ${frame.data}\n\n`
  return encoder.encode(text)
}

/** Serialises a comment line, which every SSE client skips: used for keepalive and trailing metadata. */
export function encodeSseComment(text: string): Uint8Array {
  return encoder.encode(`: ${text}\n\n`)
}
