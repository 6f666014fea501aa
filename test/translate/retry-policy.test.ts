import { describe, expect, test } from 'bun:test'
import { backoffDelayMs, isRetryable, retryAfterMsOf, waitTooLong, type RetryPolicy } from '../../src/translate/retry-policy.ts'

const policy: RetryPolicy = { attemptsMax: 5, baseDelayMs: 500, delayMaxMs: 8_000, deadlineMs: 60_000, retryAfterMaxMs: 20_000 }
const status = (code: number, retryAfterMs?: number) => ({ kind: 'status' as const, status: code, retryAfterMs })

describe('isRetryable', () => {
  test('connection failures, timeouts, 408, 409, 429 and every 5xx; no other 4xx', () => {
    expect(isRetryable({ kind: 'network' })).toBe(true)
    expect(isRetryable({ kind: 'timeout' })).toBe(true)
    for (const code of [408, 409, 429, 500, 502, 503, 504, 529]) expect(isRetryable(status(code))).toBe(true)
    for (const code of [400, 401, 403, 404, 413, 422]) expect(isRetryable(status(code))).toBe(false)
  })
})

describe('backoffDelayMs', () => {
  test('full jitter under a doubling ceiling, capped', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(policy, attempt, { kind: 'network' }, () => 0.999))).toEqual([499, 999, 1998, 3996, 7992, 7992])
    expect(backoffDelayMs(policy, 3, { kind: 'network' }, () => 0)).toBe(0)
  })

  test('an upstream retry-after wins when longer, up to the longest wait', () => {
    expect(backoffDelayMs(policy, 1, status(429, 3_000), () => 0.5)).toBe(3_000)
    expect(backoffDelayMs(policy, 1, status(429, 10), () => 0.5)).toBe(250)
    expect(backoffDelayMs(policy, 1, status(429, 90_000), () => 0.5)).toBe(20_000)
    expect(waitTooLong(policy, status(429, 90_000))).toBe(true)
    expect(waitTooLong(policy, status(429, 20_000))).toBe(false)
  })
})

describe('retryAfterMsOf', () => {
  const nowMs = Date.parse('2026-11-25T12:00:00Z')
  test('retry-after-ms first, then seconds, then an HTTP date; nothing for garbage', () => {
    expect(retryAfterMsOf(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }), nowMs)).toBe(1_500)
    expect(retryAfterMsOf(new Headers({ 'retry-after': '7' }), nowMs)).toBe(7_000)
    expect(retryAfterMsOf(new Headers({ 'retry-after': 'Wed, 25 Nov 2026 12:00:30 GMT' }), nowMs)).toBe(30_000)
    expect(retryAfterMsOf(new Headers({ 'retry-after': 'soon' }), nowMs)).toBeUndefined()
    expect(retryAfterMsOf(new Headers(), nowMs)).toBeUndefined()
  })
})
