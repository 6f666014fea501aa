import type { StreamTracker } from '../../core/stream.ts'
import { encodeError } from './error.ts'

/**
 * A Chat Completions stream ends with `data: [DONE]`; a `data: {"error":…}` chunk is a failure reported in band, after
 * which the stream closes without `[DONE]`. A cut stream gets such an error chunk, so openai-node throws.
 */
export function createStreamTracker(): StreamTracker {
  let finished = false
  let failed = false
  return {
    observe: (frame) => {
      if (frame.data === '[DONE]' || frame.data.startsWith('{"error"')) finished = true
      if (frame.data.startsWith('{"error"')) failed = true
    },
    finished: () => finished,
    failed: () => failed,
    errorEnding: (error, requestId) => {
      finished = true
      return `data: ${JSON.stringify(encodeError(error, requestId).body)}\n\n`
    },
  }
}
