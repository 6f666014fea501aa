/**
 * In-flight requests per key. A slot is taken before dispatch and handed back exactly once through the returned
 * release function, whatever ends the request (success, upstream error, client abort, stream cut, exception).
 */
export type ConcurrencyLimiter = {
  /** Takes a slot if fewer than `limit` are taken; the release function is idempotent. */
  acquire: (key: string, limit: number) => { allowed: true; remaining: number; release: () => void } | { allowed: false; remaining: 0 }
  /** Slots still free for `key` under `limit`. */
  remaining: (key: string, limit: number) => number
  /** Slots taken across all keys, for tests and metrics: it must return to zero when traffic stops. */
  inFlight: () => number
}

export function createConcurrencyLimiter(): ConcurrencyLimiter {
  // Only keys with a slot taken have an entry, so memory is bounded by the requests in flight.
  const taken = new Map<string, number>()
  let total = 0
  return {
    acquire: (key, limit) => {
      const current = taken.get(key) ?? 0
      if (current >= limit) return { allowed: false, remaining: 0 }
      taken.set(key, current + 1)
      total++
      let released = false
      return {
        allowed: true,
        remaining: limit - current - 1,
        release: () => {
          if (released) return
          released = true
          total--
          const left = (taken.get(key) ?? 1) - 1
          if (left <= 0) taken.delete(key)
          else taken.set(key, left)
        },
      }
    },
    remaining: (key, limit) => Math.max(0, limit - (taken.get(key) ?? 0)),
    inFlight: () => total,
  }
}
