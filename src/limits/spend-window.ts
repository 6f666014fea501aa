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
 * How much of the window's settled spend must leave it before the request fits, or undefined when no amount would do:
 * holds in flight alone fill the cap, or the request alone is bigger than it.
 */
export function spendToLeaveMicros(input: { capMicros: number; settledMicros: number; heldMicros: number; requestMicros: number }): number | undefined {
  if (input.heldMicros + input.requestMicros > input.capMicros) return undefined
  return Math.max(0, input.settledMicros + input.heldMicros + input.requestMicros - input.capMicros)
}

/**
 * The wait before a refused request fits: until the settle that brings the window's leaving spend to what must leave
 * (written at `leavesAtMs`) is a whole window old. Without one (see `spendToLeaveMicros`), the earliest useful retry
 * is when a hold is released.
 */
export function spendRetryAfterMs(input: { windowMs: number; nowMs: number; leavesAtMs: number | undefined }): number {
  if (input.leavesAtMs === undefined) return heldRetryAfterMs
  return Math.max(0, input.leavesAtMs + input.windowMs - input.nowMs)
}
