/**
 * A true sliding window over the last `windowMs`: each admitted request's time is kept (at most `limit` of them, in a
 * ring), so a burst at 00:59 and another at 01:01 cannot both pass as they would with fixed minute buckets. Memory
 * per key is bounded by the limit itself. Pure: state in, decision and state out; the clock is an argument.
 */
export type SlidingWindowState = {
  /** Admission times, oldest first from `start`, `count` of them, in a ring of `limit` slots. */
  timesMs: Float64Array
  start: number
  count: number
}

export type SlidingWindowDecision = { allowed: boolean; remaining: number; retryAfterMs: number }

export function createSlidingWindow(limit: number): SlidingWindowState {
  return { timesMs: new Float64Array(Math.max(1, limit)), start: 0, count: 0 }
}

/** Drops admissions older than the window. */
function expire(state: SlidingWindowState, nowMs: number, windowMs: number): void {
  const capacity = state.timesMs.length
  while (state.count > 0 && state.timesMs[state.start]! <= nowMs - windowMs) {
    state.start = (state.start + 1) % capacity
    state.count--
  }
}

/**
 * Admits one request at `nowMs` if fewer than `limit` were admitted in the window, recording it; otherwise says
 * when the oldest admission leaves the window. A refused request is not recorded: it consumes nothing.
 */
export function admit(state: SlidingWindowState, nowMs: number, limit: number, windowMs: number): SlidingWindowDecision {
  expire(state, nowMs, windowMs)
  const capacity = state.timesMs.length
  if (state.count >= limit) {
    const oldestMs = state.timesMs[state.start]!
    return { allowed: false, remaining: 0, retryAfterMs: oldestMs + windowMs - nowMs }
  }
  state.timesMs[(state.start + state.count) % capacity] = nowMs
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
