/**
 * One request's token usage in neutral terms: `input` is the uncached prompt only (no cache reads, no cache
 * writes), `output` includes reasoning, and `reasoning` is its informational subset. Each dialect's decoder maps its
 * own fields onto this once, so cache tokens are neither counted twice nor dropped (WIRE.md §4).
 */
export type Usage = {
  input: number
  cacheRead: number
  cacheWrite5m: number
  cacheWrite1h: number
  output: number
  reasoning: number
}

export const zeroUsage: Usage = { input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 }

/** A whole, non-negative token count from an untrusted value; anything else is 0. */
export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0
}

/** Every prompt token, whatever its cache state. */
export function promptTokens(usage: Usage): number {
  return usage.input + usage.cacheRead + usage.cacheWrite5m + usage.cacheWrite1h
}
