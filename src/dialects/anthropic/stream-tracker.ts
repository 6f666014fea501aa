import type { StreamTracker } from '../../core/stream.ts'
import { encodeError } from './error.ts'

/**
 * An Anthropic stream ends with `message_stop`, or with an `error` event that may replace everything after the
 * HTTP 200. Anything else is a cut, which gets an `event: error` so the SDK throws instead of returning a partial
 * message as if it were whole.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#error-events
 */
export function createStreamTracker(): StreamTracker {
  let finished = false
  let failed = false
  return {
    observe: (frame) => {
      if (frame.event === 'message_stop' || frame.event === 'error') finished = true
      if (frame.event === 'error') failed = true
    },
    finished: () => finished,
    failed: () => failed,
    errorEnding: (error, requestId) => {
      finished = true
      const { body } = encodeError(error, requestId)
      return `event: error\ndata: ${JSON.stringify(body)}\n\n`
    },
  }
}
