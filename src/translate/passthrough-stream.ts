import { gatewayError, type GatewayError } from '../core/error.ts'
import type { SseFrame, StreamMeter, StreamTracker } from '../core/stream.ts'
import { completeEventsLength, createSseDecoder, encodeSseComment, encodeSseFrames, splitEvents } from './sse.ts'

/** How a relayed stream ended, for logging and settlement; `upstream-error` is an in-band error from the upstream. */
export type StreamOutcome = 'completed' | 'upstream-error' | 'cut' | 'idle-timeout' | 'client-aborted' | 'too-large'

/** An SSE event to write, in the caller's dialect. */
export type OutputFrame = { event?: string; data: string }

/**
 * Translation between dialects for a relayed stream: upstream frames in, caller frames out. `flush` runs when the
 * upstream ends, `fail` writes the caller's error ending for a failure the gateway detected (cut, silence, size).
 */
export type FrameTranslator = {
  step: (frame: SseFrame) => OutputFrame[]
  flush: () => OutputFrame[]
  fail: (error: GatewayError) => OutputFrame[]
}

export type PassthroughStreamOptions = {
  /** Follows the stream the caller receives (after translation, when there is one). */
  tracker: StreamTracker
  /** Translates each upstream event when the upstream speaks another dialect; absent, bytes pass untouched. */
  translator?: FrameTranslator
  meter: StreamMeter
  /** Events the gateway asked for on the caller's behalf and keeps from it (the forced Chat usage chunk). */
  dropFrame?: (frame: SseFrame) => boolean
  requestId: string
  /** Silence towards the client after which a `: keepalive` comment is written. */
  keepaliveIntervalMs: number
  /** Upstream silence after which the stream is declared dead, ended with an error, and the upstream aborted. */
  idleTimeoutMs: number
  /** Largest single event held while waiting for its end. */
  eventBytesMax: number
  /** Cancels the upstream request (client gone, or the gateway gave up on it). */
  abortUpstream: () => void
  /** Called once when the stream ends; what it returns is written as a final SSE comment (unless the client left). */
  onEnd: (outcome: StreamOutcome) => Promise<string | undefined>
  now: () => number
}

type PumpState = {
  held: Uint8Array
  lastUpstreamMs: number
  lastClientWriteMs: number
  ended: boolean
  timer: ReturnType<typeof setTimeout> | undefined
}

const empty = new Uint8Array(0)
const blankLine = new TextEncoder().encode('\n\n')

/**
 * Relays an upstream SSE body to the client byte for byte, as each chunk arrives. It forwards whole events only
 * (the tail of a chunk waits for its blank line), which lets it add keepalive comments in silences and, when the
 * upstream is cut or goes quiet for too long, end the stream with the dialect's own error event instead of a
 * truncated one. The client leaving cancels the upstream request.
 */
export function passthroughStream(
  upstream: ReadableStream<Uint8Array>,
  options: PassthroughStreamOptions,
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader()
  const decoder = createSseDecoder()
  const startedMs = options.now()
  const state: PumpState = { held: empty, lastUpstreamMs: startedMs, lastClientWriteMs: startedMs, ended: false, timer: undefined }

  const finish = async (controller: ReadableStreamDefaultController<Uint8Array>, outcome: StreamOutcome, error?: GatewayError) => {
    if (state.ended) return
    state.ended = true
    clearTimeout(state.timer)
    if (error !== undefined && !options.tracker.finished()) {
      if (options.translator === undefined) controller.enqueue(new TextEncoder().encode(options.tracker.errorEnding(error, options.requestId)))
      else emit(controller, options.translator.fail(error))
    }
    const trailer = await options.onEnd(outcome)
    if (trailer !== undefined) controller.enqueue(encodeSseComment(trailer))
    controller.close()
  }

  const observe = (frame: SseFrame) => {
    options.tracker.observe(frame)
    options.meter.observe(frame)
  }

  /** Writes translated frames as one chunk, and lets the tracker follow what the caller receives. */
  const emit = (controller: ReadableStreamDefaultController<Uint8Array>, frames: OutputFrame[]): boolean => {
    if (frames.length === 0) return false
    controller.enqueue(encodeSseFrames(frames))
    for (const frame of frames) options.tracker.observe({ event: frame.event, data: frame.data, id: undefined })
    return true
  }

  /** Meters each upstream event and translates it; what one upstream chunk becomes is written together. */
  const translate = (controller: ReadableStreamDefaultController<Uint8Array>, translator: FrameTranslator, bytes: Uint8Array): boolean => {
    const frames: OutputFrame[] = []
    for (const frame of decoder.push(bytes)) {
      options.meter.observe(frame)
      frames.push(...translator.step(frame))
    }
    return emit(controller, frames)
  }

  /**
   * Sends whole events on, letting the tracker and meter see each; dropped events are seen but not sent. Returns
   * whether anything was sent: a chunk holding only a dropped event sends nothing.
   */
  const forward = (controller: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array): boolean => {
    if (bytes.length === 0) return false
    let sent = false
    if (options.translator !== undefined) sent = translate(controller, options.translator, bytes)
    else if (options.dropFrame === undefined) {
      controller.enqueue(bytes)
      sent = true
      for (const frame of decoder.push(bytes)) observe(frame)
    } else {
      for (const event of splitEvents(bytes)) {
        const frames = decoder.push(event)
        for (const frame of frames) observe(frame)
        if (frames.some(options.dropFrame)) continue
        controller.enqueue(event)
        sent = true
      }
    }
    state.lastClientWriteMs = options.now()
    return sent
  }

  const scheduleTimer = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    const keepaliveDueMs = state.lastClientWriteMs + options.keepaliveIntervalMs
    const idleDueMs = state.lastUpstreamMs + options.idleTimeoutMs
    const delayMs = Math.max(0, Math.min(keepaliveDueMs, idleDueMs) - options.now())
    state.timer = setTimeout(() => onTimer(controller), delayMs)
  }

  const onTimer = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (state.ended) return
    const nowMs = options.now()
    if (nowMs - state.lastUpstreamMs >= options.idleTimeoutMs) {
      options.abortUpstream()
      reader.cancel().catch(() => undefined) // the upstream is being abandoned; its cancel outcome changes nothing
      const seconds = Math.round(options.idleTimeoutMs / 1000)
      void finish(controller, 'idle-timeout', gatewayError('provider_timeout', `The upstream sent nothing for ${seconds} s.`))
      return
    }
    if (nowMs - state.lastClientWriteMs >= options.keepaliveIntervalMs) {
      controller.enqueue(encodeSseComment('keepalive'))
      state.lastClientWriteMs = nowMs
    }
    scheduleTimer(controller)
  }

  /** Reads one upstream chunk; true once something reached the client or the stream ended. */
  const pump = async (controller: ReadableStreamDefaultController<Uint8Array>): Promise<boolean> => {
    let result: Awaited<ReturnType<typeof reader.read>>
    try {
      result = await reader.read()
    } catch {
      // A network error mid-stream is the upstream's cut; the client is told in band.
      await finish(controller, 'cut', gatewayError('provider_error', 'The upstream connection failed mid-stream.'))
      return true
    }
    if (state.ended) return true
    if (result.done) {
      const tail = state.held
      state.held = empty
      if (options.translator !== undefined) {
        translate(controller, options.translator, Buffer.concat([tail, blankLine]))
        const failedBeforeEnd = options.tracker.failed()
        emit(controller, options.translator.flush())
        // A translator ends input that stopped short with an error event of its own: that is a cut, not the upstream's error.
        const cutShort = options.tracker.failed() && !failedBeforeEnd
        if (options.tracker.finished()) await finish(controller, cutShort ? 'cut' : options.tracker.failed() ? 'upstream-error' : 'completed')
        else await finish(controller, 'cut', gatewayError('provider_error', 'The upstream stream ended before it was complete.'))
        return true
      }
      // An unterminated last event counts if it would end the stream once terminated, as lenient clients read it.
      for (const frame of decoder.push(Buffer.concat([tail, blankLine]))) observe(frame)
      if (options.tracker.finished()) {
        if (tail.length > 0) controller.enqueue(tail)
        await finish(controller, options.tracker.failed() ? 'upstream-error' : 'completed')
      } else await finish(controller, 'cut', gatewayError('provider_error', 'The upstream stream ended before it was complete.'))
      return true
    }
    state.lastUpstreamMs = options.now()
    const bytes = state.held.length === 0 ? result.value : Buffer.concat([state.held, result.value])
    const completeLength = completeEventsLength(bytes)
    const sent = forward(controller, completeLength === bytes.length ? bytes : bytes.subarray(0, completeLength))
    state.held = completeLength === bytes.length ? empty : bytes.slice(completeLength)
    if (state.held.length > options.eventBytesMax) {
      options.abortUpstream()
      reader.cancel().catch(() => undefined) // abandoned on purpose; nothing to learn from its cancel
      await finish(controller, 'too-large', gatewayError('provider_error', 'The upstream sent an event larger than the gateway relays.'))
      return true
    }
    if (options.tracker.finished()) {
      // The caller has its terminal event (a translation can end before the upstream's own last frame, such as a
      // Chat `[DONE]`): nothing more is relayed, so an upstream that stalls now cannot hold the caller open.
      options.abortUpstream()
      reader.cancel().catch(() => undefined) // everything needed was read; how the cancel ends changes nothing
      await finish(controller, options.tracker.failed() ? 'upstream-error' : 'completed')
      return true
    }
    // Nothing sent (an unfinished event, or only the dropped usage chunk): the pull must read on, or the stream stalls.
    return sent
  }

  return new ReadableStream<Uint8Array>({
    start: (controller) => scheduleTimer(controller),
    pull: async (controller) => {
      // A chunk may hold no complete event; keep reading until something is written or the stream ends, because a
      // pull that enqueues nothing is not called again.
      while (!state.ended && !(await pump(controller))) {}
    },
    cancel: async () => {
      if (state.ended) return
      state.ended = true
      clearTimeout(state.timer)
      options.abortUpstream()
      void options.onEnd('client-aborted')
      await reader.cancel().catch(() => undefined) // the client is gone; an upstream that fails to cancel cleanly is moot
    },
  })
}
