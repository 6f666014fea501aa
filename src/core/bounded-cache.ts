/**
 * A bounded least-recently-used map with a time to live. API key lookups use it so the database stays off the hot
 * path while memory stays capped however many distinct keys are presented (and a key revoked by another process stops
 * working within `ttlMs`); the thinking vault uses it to keep reasoning for a while, within a bound.
 */
export type BoundedCache<Value> = {
  get: (key: string) => { value: Value } | undefined
  set: (key: string, value: Value) => void
  delete: (key: string) => void
  size: () => number
}

export function createBoundedCache<Value>(options: { entriesMax: number; ttlMs: number; now: () => number }): BoundedCache<Value> {
  // A Map iterates in insertion order, so re-inserting on read keeps the least recently used entry first.
  const entries = new Map<string, { value: Value; expiresAtMs: number }>()
  return {
    get: (key) => {
      const entry = entries.get(key)
      if (entry === undefined) return undefined
      if (entry.expiresAtMs <= options.now()) {
        entries.delete(key)
        return undefined
      }
      entries.delete(key)
      entries.set(key, entry)
      return { value: entry.value }
    },
    set: (key, value) => {
      if (options.ttlMs === 0) return
      entries.delete(key)
      entries.set(key, { value, expiresAtMs: options.now() + options.ttlMs })
      while (entries.size > options.entriesMax) {
        const oldest = entries.keys().next()
        if (oldest.done) break
        entries.delete(oldest.value)
      }
    },
    delete: (key) => void entries.delete(key),
    size: () => entries.size,
  }
}
