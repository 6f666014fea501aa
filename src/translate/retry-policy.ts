/*
 * When an upstream failure is worth another attempt, and how long to wait first. Pure: the clock and the randomness
 * are the caller's, so tests can replay any schedule.
 *
 * Retried: connection failures, a timeout before the response's first byte, 408, 409, 429 and every 5xx (529,
 * Anthropic's overload, included). Never retried: any other 4xx (the request itself is at fault and will fail the
 * same way), and anything once a byte has reached the caller (the caller would see two answers).
 */

export type RetryPolicy = {
  /** Attempts per model, the first included. */
  attemptsMax: number
  baseDelayMs: number
  delayMaxMs: number
  /** Total time for every attempt and fallback before the caller's first byte. */
  deadlineMs: number
  /** The longest upstream `retry-after` worth waiting out; a longer one moves on at once. */
  retryAfterMaxMs: number
}

/** A failed attempt, as the retry decision sees it. */
export type AttemptFailure = { kind: 'status'; status: number; retryAfterMs: number | undefined } | { kind: 'network' } | { kind: 'timeout' }

/** Whether another attempt could succeed where this one failed. */
export function isRetryable(failure: AttemptFailure): boolean {
  if (failure.kind !== 'status') return true
  const { status } = failure
  return status === 408 || status === 409 || status === 429 || status >= 500
}

/**
 * The wait before attempt `attempt + 1` (after `attempt` failures): exponential backoff with full jitter, a random
 * wait between 0 and `baseDelayMs · 2^(attempt−1)`, capped at `delayMaxMs`, so a crowd of gateways retrying the same
 * outage spreads out. An upstream `retry-after` wins when it asks for longer (up to `retryAfterMaxMs`).
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, failure: AttemptFailure, random: () => number): number {
  const ceiling = Math.min(policy.delayMaxMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  const jittered = Math.floor(random() * ceiling)
  const asked = failure.kind === 'status' ? failure.retryAfterMs : undefined
  return asked === undefined ? jittered : Math.max(jittered, Math.min(asked, policy.retryAfterMaxMs))
}

/** Whether the upstream asked for a wait longer than the gateway will hold a caller for. */
export function waitTooLong(policy: RetryPolicy, failure: AttemptFailure): boolean {
  return failure.kind === 'status' && failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.retryAfterMaxMs
}

/**
 * The wait an upstream asked for: `retry-after-ms` (OpenAI, Anthropic SDK convention), else `retry-after` in
 * seconds or as an HTTP date. Undefined when absent or unreadable.
 */
export function retryAfterMsOf(headers: Headers, nowMs: number): number | undefined {
  const milliseconds = Number(headers.get('retry-after-ms') ?? Number.NaN)
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds
  const value = headers.get('retry-after')
  if (value === null || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs)
}
