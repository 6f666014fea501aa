import { createConcurrencyLimiter, type ConcurrencyLimiter } from './concurrency.ts'
import { admit, createSlidingWindow, forget, remaining, type SlidingWindowDecision, type SlidingWindowState } from './sliding-window.ts'

/** The request-rate window: 60 s. */
export const rpmWindowMs = 60_000

type Entry = { limit: number; state: SlidingWindowState }

/**
 * Per-key request-rate windows and in-flight counters, held in memory for one gateway process. The windows map is
 * bounded by `entriesMax` (least recently used key dropped first); counters exist only while requests are in flight.
 */
export type LimiterStore = {
  admitRequest: (keyId: string, limit: number) => SlidingWindowDecision & { admittedAtMs: number }
  forgetRequest: (keyId: string, admittedAtMs: number) => void
  requestsRemaining: (keyId: string, limit: number) => number
  concurrency: ConcurrencyLimiter
  /** Runs `step` after every earlier step of the same key has finished: a check and a write made one. */
  serialize: <T>(keyId: string, step: () => Promise<T>) => Promise<T>
  /** Keys whose windows are held, for tests of the bound. */
  windowCount: () => number
}

export function createLimiterStore(options: { now: () => number; entriesMax: number }): LimiterStore {
  const windows = new Map<string, Entry>()
  // Only keys with a step running have a chain, so this is bounded by the requests in flight.
  const chains = new Map<string, Promise<unknown>>()
  const windowOf = (keyId: string, limit: number): Entry => {
    let entry = windows.get(keyId)
    if (entry === undefined || entry.limit !== limit) entry = { limit, state: createSlidingWindow() }
    // Re-inserting keeps the map in least-recently-used order.
    windows.delete(keyId)
    windows.set(keyId, entry)
    while (windows.size > options.entriesMax) {
      const oldest = windows.keys().next()
      if (oldest.done) break
      windows.delete(oldest.value)
    }
    return entry
  }
  return {
    admitRequest: (keyId, limit) => {
      const nowMs = options.now()
      return { ...admit(windowOf(keyId, limit).state, nowMs, limit, rpmWindowMs), admittedAtMs: nowMs }
    },
    forgetRequest: (keyId, admittedAtMs) => {
      const entry = windows.get(keyId)
      if (entry !== undefined) forget(entry.state, admittedAtMs)
    },
    requestsRemaining: (keyId, limit) => remaining(windowOf(keyId, limit).state, options.now(), limit, rpmWindowMs),
    concurrency: createConcurrencyLimiter(),
    serialize: async (keyId, step) => {
      const previous = chains.get(keyId) ?? Promise.resolve()
      // An earlier step's failure is its own caller's; this step runs regardless.
      const current = previous.catch(() => undefined).then(step)
      chains.set(keyId, current)
      try {
        return await current
      } finally {
        if (chains.get(keyId) === current) chains.delete(keyId)
      }
    },
    windowCount: () => windows.size,
  }
}
