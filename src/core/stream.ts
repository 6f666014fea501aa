import type { GatewayError } from './error.ts'

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
  /** The events that end a cut stream with `error` in this dialect's own shape. */
  errorEnding: (error: GatewayError, requestId: string) => string
}
