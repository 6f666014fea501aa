/**
 * The rolling spend cap: settled spend in the window plus open holds plus the new request's hold may reach the cap and
 * not pass it, and a refusal waits until enough of the oldest settled spend has left the window, or, when holds alone
 * are in the way, for the suggested hold wait. Which settle frees enough is the ledger's to find
 * (test/ledger/spend-window-ledger.test.ts).
 */
import { describe, expect, test } from 'bun:test'
import { decideSpend, heldRetryAfterMs, spendRetryAfterMs, spendToLeaveMicros } from '../../src/limits/spend-window.ts'

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

describe('spendToLeaveMicros', () => {
  test('what must leave the window is everything over the cap once the request is counted', () => {
    expect(spendToLeaveMicros({ capMicros: 1_000, settledMicros: 900, heldMicros: 0, requestMicros: 200 })).toBe(100)
    expect(spendToLeaveMicros({ capMicros: 1_000, settledMicros: 900, heldMicros: 300, requestMicros: 200 })).toBe(400)
  })

  test('holds that fill the cap on their own: nothing leaving would do', () => {
    expect(spendToLeaveMicros({ capMicros: 1_000, settledMicros: 0, heldMicros: 900, requestMicros: 200 })).toBeUndefined()
    expect(spendToLeaveMicros({ capMicros: 1_000, settledMicros: 900, heldMicros: 900, requestMicros: 200 })).toBeUndefined()
  })

  test('a request bigger than the cap on its own: nothing leaving would do', () => {
    expect(spendToLeaveMicros({ capMicros: 1_000, settledMicros: 900, heldMicros: 0, requestMicros: 1_001 })).toBeUndefined()
  })
})

describe('spendRetryAfterMs', () => {
  const windowMs = 10_000

  test('until the settle that frees enough is a whole window old', () => {
    expect(spendRetryAfterMs({ windowMs, nowMs: 5_000, leavesAtMs: 2_000 })).toBe(2_000 + windowMs - 5_000)
  })

  test('nothing that leaves would do: the hold wait', () => {
    expect(spendRetryAfterMs({ windowMs, nowMs: 5_000, leavesAtMs: undefined })).toBe(heldRetryAfterMs)
    expect(heldRetryAfterMs).toBeGreaterThan(0)
  })

  test('a settle at the edge of the window gives no negative wait', () => {
    expect(spendRetryAfterMs({ windowMs, nowMs: 13_000, leavesAtMs: 2_000 })).toBe(0)
  })
})
