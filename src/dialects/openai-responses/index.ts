import type { Dialect } from '../../core/dialect.ts'
import { encodeError } from './error.ts'
import { createStreamMeter, decodeResponseUsage } from './stream-meter.ts'
import { createStreamTracker } from './stream-tracker.ts'

/** OpenAI Responses. */
export const openaiResponses: Dialect = {
  name: 'openai-responses',
  requestIdHeader: 'x-request-id',
  encodeError,
  createStreamTracker,
  createStreamMeter,
  decodeResponseUsage,
}
