import type { GatewayError } from './error.ts'
import type { Usage } from './usage.ts'

/** One Server-Sent Event as dialects see it. `event` is undefined when the event had no `event:` field. */
export type SseFrame = { event: string | undefined; data: string; id: string | undefined }

/**
 * Follows a stream in one dialect, frame by frame, to know whether it reached its proper end, and writes the
 * dialect's in-band error ending for a stream that did not, so that every SDK reports the failure.
 */
export type StreamTracker = {
  observe: (frame: SseFrame) => void
  /** The stream ended as the dialect requires (a terminal event, or an in-band error already sent). */
  finished: () => boolean
  /** The upstream itself ended the stream with an in-band error: finished, but not a success to bill in full. */
  failed: () => boolean
  /** The events that end a cut stream with `error` in this dialect's own shape. */
  errorEnding: (error: GatewayError, requestId: string) => string
}

/** What a stream has told the meter so far. */
export type MeterReading = {
  /** Usage as last reported by the upstream (cumulative figures overwrite), or undefined when none came. */
  usage: Usage | undefined
  /** The output figure is final or cumulative (A `message_delta`, C usage chunk, R terminal event), not a placeholder. */
  outputReported: boolean
  /** A content event arrived: text, reasoning or a tool call. Before that, a failure costs nothing. */
  sawContent: boolean
  /** Characters of text, reasoning and tool arguments delivered, for estimating output when no figure came. */
  outputCharacters: number
}

/** Reads usage and progress out of a stream in one dialect, frame by frame, without changing it. */
export type StreamMeter = {
  observe: (frame: SseFrame) => void
  reading: () => MeterReading
}
