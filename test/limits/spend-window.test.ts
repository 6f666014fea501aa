/**
 * The rolling spend cap: settled spend in the window plus open holds plus the new request's hold may reach the cap and
 * not pass it, and a refusal waits until enough of the oldest settled spend has left the window, or, when holds alone
 * are in the way, for the suggested hold wait.
 */
import { describe, expect, test } from 'bun:test'
import { decideSpend, heldRetryAfterMs, spendRetryAfterMs } from '../../src/limits/spend-window.ts'

describe('decideSpend', () => {
  test('a request that brings the total exactly to the cap fits; one micro-USD more does not', () => {
    expect(decideSpend({ capMicros: 1_000, settledMicros: 600, heldMicros: 300, requestMicros: 100 })).toEqual({ allowed: true, remainingMicros: 0 })
    expect(decideSpend({ capMicros: 1_000, settledMicros: 600, heldMicros: 300, requestMicros: 101 })).toEqual({ allowed: false, remainingMicros: 100 })
  })

  test('holds count like settled spend: parallel requests cannot pass the cap together', () => {
    expect(decideSpend({ capMicros: 1_000, settledMicros: 0, heldMicros: 0, requestMicros: 400 })).toEqual({ allowed: true, remainingMicros: 600 })
    expect(decideSpend({ capMicros: 1_000, settledMicros: 0, heldMicros: 400, requestMicros: 400 })).toEqual({ allowed: true, remainingMicros: 200 })
    expect(decideSpend({ capMicros: 1_000, settledMicros: 0, heldMicros: 800, requestMicros: 400 })).toEqual({ allowed: false, remainingMicros: 200 })
  })

  test('what remains is never negative, even when the window is already over the cap', () => {
    expect(decideSpend({ capMicros: 1_000, settledMicros: 1_200, heldMicros: 50, requestMicros: 1 })).toEqual({ allowed: false, remainingMicros: 0 })
  })

  test('a cap of zero refuses any request that holds something', () => {
    expect(decideSpend({ capMicros: 0, settledMicros: 0, heldMicros: 0, requestMicros: 1 }).allowed).toBe(false)
  })
})

describe('spendRetryAfterMs', () => {
  const windowMs = 10_000
  const settled = [
    { atMs: 1_000, micros: 300 },
    { atMs: 2_000, micros: 300 },
    { atMs: 3_000, micros: 300 },
  ]

  test('when the oldest settle leaving is enough: its time + the window − now', () => {
    const input = { capMicros: 1_000, windowMs, nowMs: 5_000, settled, heldMicros: 0, requestMicros: 200 }
    expect(decideSpend({ capMicros: 1_000, settledMicros: 900, heldMicros: 0, requestMicros: 200 }).allowed).toBe(false)
    expect(spendRetryAfterMs(input)).toBe(1_000 + windowMs - 5_000)
  })

  test('when two must leave: the second one’s time, not the first’s', () => {
    const input = { capMicros: 1_000, windowMs, nowMs: 5_000, settled, heldMicros: 0, requestMicros: 500 }
    expect(spendRetryAfterMs(input)).toBe(2_000 + windowMs - 5_000)
  })

  test('open holds stay counted while settled spend leaves', () => {
    // 900 settled + 300 held + 200 wanted: 300 and then 600 must leave before 300 + 300 + 200 fits 1000.
    const input = { capMicros: 1_000, windowMs, nowMs: 5_000, settled, heldMicros: 300, requestMicros: 200 }
    expect(spendRetryAfterMs(input)).toBe(2_000 + windowMs - 5_000)
  })

  test('held only: no settled spend can leave, so the hold wait is suggested', () => {
    const input = { capMicros: 1_000, windowMs, nowMs: 5_000, settled: [], heldMicros: 900, requestMicros: 200 }
    expect(spendRetryAfterMs(input)).toBe(heldRetryAfterMs)
    expect(heldRetryAfterMs).toBeGreaterThan(0)
  })

  test('holds that fill the cap even after every settle has left: the hold wait', () => {
    const input = { capMicros: 1_000, windowMs, nowMs: 5_000, settled, heldMicros: 900, requestMicros: 200 }
    expect(spendRetryAfterMs(input)).toBe(heldRetryAfterMs)
  })

  test('a request bigger than the cap on its own: the hold wait, not a window time', () => {
    const input = { capMicros: 1_000, windowMs, nowMs: 5_000, settled, heldMicros: 0, requestMicros: 1_001 }
    expect(spendRetryAfterMs(input)).toBe(heldRetryAfterMs)
  })

  test('an entry at the edge of the window gives no negative wait', () => {
    const input = { capMicros: 1_000, windowMs, nowMs: 11_000, settled, heldMicros: 0, requestMicros: 200 }
    expect(spendRetryAfterMs(input)).toBe(0)
  })
})
