/**
 * A rolling spend cap: what a key spent in the last window (settled costs) plus what it holds right now (open
 * reservations), plus the new request's hold, may not pass the cap. Holds count so that parallel streams cannot blow
 * through it. Pure: the caller reads the ledger and passes the figures in.
 */

/** Whether a request holding `requestMicros` fits, and what remains of the cap if it does. */
export function decideSpend(input: { capMicros: number; settledMicros: number; heldMicros: number; requestMicros: number }): {
  allowed: boolean
  remainingMicros: number
} {
  const usedMicros = input.settledMicros + input.heldMicros
  const allowed = usedMicros + input.requestMicros <= input.capMicros
  return { allowed, remainingMicros: Math.max(0, input.capMicros - usedMicros - (allowed ? input.requestMicros : 0)) }
}

/** The wait suggested when only holds of requests in flight fill the window: a hold is released when its request ends. */
export const heldRetryAfterMs = 5_000

/**
 * How long until enough of the oldest settled spend leaves the window for the request to fit. When no amount of
 * settled spend leaving would do (holds in flight fill the window, or the request alone is bigger than the cap), the
 * earliest useful retry is when a hold is released.
 */
export function spendRetryAfterMs(input: {
  capMicros: number
  windowMs: number
  nowMs: number
  /** Settled costs inside the window, oldest first. */
  settled: ReadonlyArray<{ atMs: number; micros: number }>
  heldMicros: number
  requestMicros: number
}): number {
  let leftMicros = input.settled.reduce((sum, entry) => sum + entry.micros, 0) + input.heldMicros
  for (const entry of input.settled) {
    leftMicros -= entry.micros
    if (leftMicros + input.requestMicros <= input.capMicros) return Math.max(0, entry.atMs + input.windowMs - input.nowMs)
  }
  return heldRetryAfterMs
}
