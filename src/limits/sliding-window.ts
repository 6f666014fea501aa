/**
 * A true sliding window over the last `windowMs`: each admitted request's time is kept, in a ring, so a burst at 00:59
 * and another at 01:01 cannot both pass as they would with fixed minute buckets. The ring holds only the admissions
 * still in the window: it starts small, doubles when full, and halves once a burst has left, so a key allowed a million
 * requests a minute costs memory for what it actually sent, never `limit` slots up front. Pure: state in, decision and
 * state out; the clock is an argument.
 */
export type SlidingWindowState = {
  /** Admission times, oldest first from `start`, `count` of them, in a ring of `timesMs.length` slots. */
  timesMs: Float64Array
  start: number
  count: number
}

export type SlidingWindowDecision = { allowed: boolean; remaining: number; retryAfterMs: number }

/** Slots a fresh window starts with, and the least it shrinks to. */
export const ringCapacityMin = 16

export function createSlidingWindow(): SlidingWindowState {
  return { timesMs: new Float64Array(ringCapacityMin), start: 0, count: 0 }
}

/** Moves the admissions, oldest first, into a ring of `capacity` slots (at least `count`). */
function resize(state: SlidingWindowState, capacity: number): void {
  const timesMs = new Float64Array(capacity)
  const oldCapacity = state.timesMs.length
  const firstRun = Math.min(state.count, oldCapacity - state.start)
  timesMs.set(state.timesMs.subarray(state.start, state.start + firstRun), 0)
  timesMs.set(state.timesMs.subarray(0, state.count - firstRun), firstRun)
  state.timesMs = timesMs
  state.start = 0
}

/** Drops admissions older than the window. */
function expire(state: SlidingWindowState, nowMs: number, windowMs: number): void {
  const capacity = state.timesMs.length
  while (state.count > 0 && state.timesMs[state.start]! <= nowMs - windowMs) {
    state.start = (state.start + 1) % capacity
    state.count--
  }
  // After a burst, give back what it took: a quarter-full ring halves (never below the minimum).
  if (capacity > ringCapacityMin && state.count <= capacity / 4) resize(state, Math.max(ringCapacityMin, capacity / 2))
}

/**
 * Admits one request at `nowMs` if fewer than `limit` were admitted in the window, recording it; otherwise says
 * when the oldest admission leaves the window. A refused request is not recorded: it consumes nothing.
 */
export function admit(state: SlidingWindowState, nowMs: number, limit: number, windowMs: number): SlidingWindowDecision {
  expire(state, nowMs, windowMs)
  if (state.count >= limit) {
    const oldestMs = state.timesMs[state.start]!
    return { allowed: false, remaining: 0, retryAfterMs: oldestMs + windowMs - nowMs }
  }
  if (state.count === state.timesMs.length) resize(state, state.timesMs.length * 2)
  state.timesMs[(state.start + state.count) % state.timesMs.length] = nowMs
  state.count++
  return { allowed: true, remaining: limit - state.count, retryAfterMs: 0 }
}

/** How many more requests the window would admit now, without admitting any. */
export function remaining(state: SlidingWindowState, nowMs: number, limit: number, windowMs: number): number {
  expire(state, nowMs, windowMs)
  return Math.max(0, limit - state.count)
}

/** Takes back one admission made at `timeMs` (a request refused by a later check consumes nothing). */
export function forget(state: SlidingWindowState, timeMs: number): void {
  const capacity = state.timesMs.length
  for (let offset = state.count - 1; offset >= 0; offset--) {
    const index = (state.start + offset) % capacity
    if (state.timesMs[index] !== timeMs) continue
    // Close the gap by shifting the later admissions back one slot, keeping the ring in time order.
    for (let later = offset; later < state.count - 1; later++) {
      state.timesMs[(state.start + later) % capacity] = state.timesMs[(state.start + later + 1) % capacity]!
    }
    state.count--
    return
  }
}
