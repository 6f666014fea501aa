/**
 * A clock that moves only when a test moves it, for limiters and windows: time passes in one statement instead of a
 * sleep, and every figure derived from it (retry-after, window edges) is exact.
 */

export type FakeClock = {
  /** The current time in ms, as `Date.now` would give it. */
  now: () => number
  /** Moves the clock forward by `durationMs`. */
  advance: (durationMs: number) => void
}

/** A fake clock starting at `startMs` (by default a fixed instant, so runs are identical). */
export function createFakeClock(startMs = Date.UTC(2026, 0, 1)): FakeClock {
  let currentMs = startMs
  return {
    now: () => currentMs,
    advance: (durationMs) => {
      if (!(durationMs >= 0)) throw new Error(`a clock only moves forward, not by ${durationMs} ms`)
      currentMs += durationMs
    },
  }
}
