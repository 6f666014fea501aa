import type { Dialect } from '../../core/dialect.ts'
import { encodeError } from './error.ts'
import { createStreamMeter, decodeResponseUsage } from './stream-meter.ts'
import { createStreamTracker } from './stream-tracker.ts'

/** Anthropic Messages. */
export const anthropic: Dialect = {
  name: 'anthropic',
  requestIdHeader: 'request-id',
  encodeError,
  createStreamTracker,
  createStreamMeter,
  decodeResponseUsage,
}
