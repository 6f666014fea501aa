/**
 * The request-rate window at explicit times: a request counts for exactly 60 s after it was admitted, so bursts either
 * side of a minute boundary cannot add up (as they would with fixed minute buckets), capacity comes back one admission
 * at a time, and a refusal says when the oldest admission leaves.
 */
import { describe, expect, test } from 'bun:test'
import { admit, createSlidingWindow, forget, remaining, ringCapacityMin } from '../../src/limits/sliding-window.ts'

const windowMs = 60_000
const second = 1_000

/** Admits at each time in turn and returns whether each was allowed. */
function admitAt(state: ReturnType<typeof createSlidingWindow>, limit: number, timesMs: number[]): boolean[] {
  return timesMs.map((timeMs) => admit(state, timeMs, limit, windowMs).allowed)
}

describe('admit', () => {
  test('admits exactly `limit` requests, counting down what remains, then refuses', () => {
    const state = createSlidingWindow()
    expect(admit(state, 0, 3, windowMs)).toEqual({ allowed: true, remaining: 2, retryAfterMs: 0 })
    expect(admit(state, 0, 3, windowMs)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 })
    expect(admit(state, 0, 3, windowMs)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 })
    expect(admit(state, 0, 3, windowMs)).toEqual({ allowed: false, remaining: 0, retryAfterMs: windowMs })
  })

  test('an admission counts until exactly 60 s have passed: refused at 59.999 s, admitted at 60 s', () => {
    const state = createSlidingWindow()
    expect(admit(state, 0, 1, windowMs).allowed).toBe(true)
    expect(admit(state, windowMs - 1, 1, windowMs)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1 })
    expect(admit(state, windowMs, 1, windowMs)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 })
  })

  test('a burst at 00:59 and another at 01:01 cannot both pass, though fixed minute buckets would let them', () => {
    const limit = 5
    const firstBurstMs = Array.from({ length: limit }, () => 59 * second)
    const secondBurstMs = Array.from({ length: limit }, () => 61 * second)
    // A fixed minute bucket counts per calendar minute: the two bursts land in buckets 0 and 1 and all ten pass.
    const bucketCounts = new Map<number, number>()
    const fixedBucket = (timeMs: number) => {
      const bucket = Math.floor(timeMs / windowMs)
      const count = bucketCounts.get(bucket) ?? 0
      if (count >= limit) return false
      bucketCounts.set(bucket, count + 1)
      return true
    }
    expect([...firstBurstMs, ...secondBurstMs].map(fixedBucket)).toEqual(Array(2 * limit).fill(true))

    const state = createSlidingWindow()
    expect(admitAt(state, limit, firstBurstMs)).toEqual(Array(limit).fill(true))
    expect(admitAt(state, limit, secondBurstMs)).toEqual(Array(limit).fill(false))
    // The first burst leaves at 01:59, and only then does the second minute's capacity come back.
    expect(admit(state, 61 * second, limit, windowMs).retryAfterMs).toBe(58 * second)
    expect(admit(state, 119 * second - 1, limit, windowMs).allowed).toBe(false)
    expect(admitAt(state, limit, Array(limit + 1).fill(119 * second))).toEqual([...Array(limit).fill(true), false])
  })

  test('capacity refills one admission at a time, as each leaves the window', () => {
    const state = createSlidingWindow()
    expect(admitAt(state, 3, [0, 10 * second, 20 * second])).toEqual([true, true, true])
    expect(remaining(state, 59 * second, 3, windowMs)).toBe(0)
    expect(remaining(state, 60 * second, 3, windowMs)).toBe(1)
    expect(remaining(state, 70 * second - 1, 3, windowMs)).toBe(1)
    expect(remaining(state, 70 * second, 3, windowMs)).toBe(2)
    expect(remaining(state, 80 * second, 3, windowMs)).toBe(3)
  })

  test('retry-after is the oldest admission + 60 s − now, and follows the oldest as the ring wraps', () => {
    const state = createSlidingWindow()
    admitAt(state, 3, [1_000, 15_000, 40_000])
    expect(admit(state, 45_000, 3, windowMs).retryAfterMs).toBe(1_000 + windowMs - 45_000)
    // 1 s leaves at 61 s; the slot it frees is reused at the end of the ring, so the oldest is now 15 s.
    expect(admit(state, 61_000, 3, windowMs).allowed).toBe(true)
    expect(admit(state, 62_000, 3, windowMs).retryAfterMs).toBe(15_000 + windowMs - 62_000)
    expect(admitAt(state, 3, [75_000, 76_000])).toEqual([true, false])
    expect(admit(state, 76_000, 3, windowMs).retryAfterMs).toBe(40_000 + windowMs - 76_000)
  })

  test('a refused request is not recorded: retrying does not push the wait further out', () => {
    const state = createSlidingWindow()
    admitAt(state, 2, [0, 30 * second])
    for (const timeMs of [31 * second, 45 * second, 59 * second]) expect(admit(state, timeMs, 2, windowMs).retryAfterMs).toBe(windowMs - timeMs)
    expect(admit(state, windowMs, 2, windowMs).allowed).toBe(true)
  })

  test('memory follows what is in the window, not the limit: the ring grows with a burst and shrinks after it', () => {
    const state = createSlidingWindow()
    const limit = 1_000_000
    expect(state.timesMs.length).toBe(ringCapacityMin)
    for (let index = 0; index < 1_000; index++) expect(admit(state, index, limit, windowMs).allowed).toBe(true)
    expect(state.timesMs.length).toBe(1_024)
    expect(remaining(state, 1_000, limit, windowMs)).toBe(limit - 1_000)
    // The burst leaves a minute later; the next checks hand the slots back, halving at most once each.
    for (let step = 0; step < 10; step++) remaining(state, windowMs + 1_000 + step, limit, windowMs)
    expect(state.count).toBe(0)
    expect(state.timesMs.length).toBe(ringCapacityMin)
  })

  test('a ring that has wrapped keeps time order as it grows and shrinks', () => {
    const state = createSlidingWindow()
    // 12 admissions leave and 12 stay, so the start has moved on and the live ones wrap past the end of the ring.
    for (let index = 0; index < 12; index++) admit(state, index, 100, windowMs)
    for (let index = 0; index < 12; index++) admit(state, windowMs + 100 + index, 100, windowMs)
    expect(state.start + state.count).toBeGreaterThan(state.timesMs.length)
    // Growing past 16 slots while wrapped, then refusing at the limit: the retry-after comes from the true oldest.
    for (let index = 0; index < 88; index++) admit(state, windowMs + 200 + index, 100, windowMs)
    expect(state.timesMs.length).toBe(128)
    expect(admit(state, windowMs + 300, 100, windowMs)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 100 - 300 + windowMs })
    // By 2 min 277 ms the first 90 have left (the 12, then 60,200…60,277 ms), and the ring halves to 64 slots.
    expect(remaining(state, 2 * windowMs + 200 + 77, 100, windowMs)).toBe(90)
    expect(state.timesMs.length).toBe(64)
    // At the limit of the 10 left, the wait is until the oldest of them (60,278 ms) leaves.
    expect(admit(state, 2 * windowMs + 277, 10, windowMs)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1 })
    expect(state.timesMs.length).toBe(32)
  })
})

describe('remaining', () => {
  test('reports without admitting', () => {
    const state = createSlidingWindow()
    expect(remaining(state, 0, 2, windowMs)).toBe(2)
    expect(remaining(state, 0, 2, windowMs)).toBe(2)
    admit(state, 0, 2, windowMs)
    expect(remaining(state, 1, 2, windowMs)).toBe(1)
  })
})

describe('forget', () => {
  test('takes back one admission, restoring capacity at once', () => {
    const state = createSlidingWindow()
    admitAt(state, 2, [1_000, 2_000])
    expect(admit(state, 3_000, 2, windowMs).allowed).toBe(false)
    forget(state, 2_000)
    expect(remaining(state, 3_000, 2, windowMs)).toBe(1)
    expect(admit(state, 3_000, 2, windowMs).allowed).toBe(true)
  })

  test('keeps the rest in time order, so retry-after still comes from the true oldest', () => {
    const state = createSlidingWindow()
    admitAt(state, 3, [1_000, 2_000, 3_000])
    forget(state, 1_000)
    admit(state, 4_000, 3, windowMs)
    expect(admit(state, 5_000, 3, windowMs).retryAfterMs).toBe(2_000 + windowMs - 5_000)
    forget(state, 3_000)
    admit(state, 6_000, 3, windowMs)
    // Left: 2 s, 4 s, 6 s; they leave in that order.
    expect(admit(state, 62_000, 3, windowMs)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 })
    expect(admit(state, 63_000, 3, windowMs).retryAfterMs).toBe(4_000 + windowMs - 63_000)
  })

  test('works across the ring’s wrap', () => {
    const state = createSlidingWindow()
    admitAt(state, 3, [0, 10_000, 20_000, 60_000, 70_000])
    // The ring now holds 20 s, 60 s, 70 s, with the start past index 0.
    expect(state.start).not.toBe(0)
    forget(state, 60_000)
    expect(remaining(state, 75_000, 3, windowMs)).toBe(1)
    expect(admit(state, 75_000, 3, windowMs).allowed).toBe(true)
    expect(admit(state, 76_000, 3, windowMs).retryAfterMs).toBe(20_000 + windowMs - 76_000)
    expect(admit(state, 80_000, 3, windowMs).allowed).toBe(true)
    expect(admit(state, 81_000, 3, windowMs).retryAfterMs).toBe(70_000 + windowMs - 81_000)
  })

  test('forgets one of two admissions made at the same time, and nothing when the time is not there', () => {
    const state = createSlidingWindow()
    admitAt(state, 3, [5_000, 5_000])
    forget(state, 9_999)
    expect(remaining(state, 6_000, 3, windowMs)).toBe(1)
    forget(state, 5_000)
    expect(remaining(state, 6_000, 3, windowMs)).toBe(2)
  })
})
