import type { Limits } from '../config/schema.ts'
import { fail } from '../core/error.ts'
import type { Provider } from '../core/provider.ts'

/*
 * Which of a provider's keys to use next, and which are resting. Pure over the injected clock: nothing here sleeps,
 * fetches or logs; the dispatcher reports what each upstream answer said about the key it used, and the pool tells it
 * of every rest through `onCooldown` (key index and provider only: the key itself never leaves the provider).
 */

/** What one upstream answer says about the key that sent it. */
export type KeyOutcome =
  | { kind: 'success' }
  /** 401 or 403: the upstream refused the key itself. */
  | { kind: 'unauthorized' }
  /** 429, with the upstream's retry-after when it gave one. */
  | { kind: 'rate-limited'; retryAfterMs?: number }
  /** 5xx, a timeout or a network failure: nothing to hold against the key but the time it happened. */
  | { kind: 'failure' }

/** One key's state, for tests and logs. Times are the injected clock's, ms. */
export type KeyState = {
  keyIndex: number
  coolingUntilMs: number | undefined
  rateLimitStrikes: number
  lastFailureMs: number | undefined
}

/** A key starting to rest. */
export type CooldownEvent = { keyIndex: number; reason: 'unauthorized' | 'rate-limited'; untilMs: number }

export type KeyPool = {
  /** The key to use next: round-robin over keys not cooling down, preferring the least recently failed; undefined when every key is cooling down. */
  pick: () => number | undefined
  /** When the next key comes back (clock time, ms), if all are cooling down; undefined while one is available. */
  nextAvailableMs: () => number | undefined
  report: (keyIndex: number, outcome: KeyOutcome) => void
  /** For tests and logs: each key's state. */
  states: () => KeyState[]
}

export type KeyPoolOptions = {
  keyCount: number
  now: () => number
  /** How long a refused (401/403) key rests. */
  cooldownMs: number
  /** How long a key rests after `rateLimitStrikes` consecutive 429s, or the upstream's retry-after if longer. */
  rateLimitCooldownMs: number
  rateLimitStrikes: number
  onCooldown: (event: CooldownEvent) => void
}

type KeyRecord = KeyState & { coolingReason: CooldownEvent['reason'] | undefined }

/**
 * A pool over `keyCount` keys. A failure counts against a key, when choosing, for as long as a rate-limited key
 * would rest (`rateLimitCooldownMs`): long enough to steer the next attempts elsewhere, short enough that one blip
 * does not leave a key idle for good. Late answers to requests sent before a rest began do not restart it, so a burst
 * of in-flight 401s logs one rest, not one per request; a 401 does turn a rate-limit rest into the longer one.
 */
export function createKeyPool(options: KeyPoolOptions): KeyPool {
  if (!Number.isInteger(options.keyCount) || options.keyCount < 1) {
    fail('gateway_internal', `A key pool needs at least one key, not ${options.keyCount}.`)
  }
  const keys: KeyRecord[] = Array.from({ length: options.keyCount }, (_, keyIndex) => ({
    keyIndex,
    coolingUntilMs: undefined,
    coolingReason: undefined,
    rateLimitStrikes: 0,
    lastFailureMs: undefined,
  }))
  let cursor = 0

  /** Ends every rest that is over; the key's strikes were cleared when the rest began. */
  const wake = (): number => {
    const nowMs = options.now()
    for (const key of keys) {
      if (key.coolingUntilMs !== undefined && key.coolingUntilMs <= nowMs) {
        key.coolingUntilMs = undefined
        key.coolingReason = undefined
      }
    }
    return nowMs
  }

  const rest = (key: KeyRecord, reason: CooldownEvent['reason'], untilMs: number) => {
    key.coolingUntilMs = untilMs
    key.coolingReason = reason
    key.rateLimitStrikes = 0
    options.onCooldown({ keyIndex: key.keyIndex, reason, untilMs })
  }

  const recordRateLimit = (key: KeyRecord, nowMs: number, retryAfterMs: number | undefined) => {
    if (key.coolingUntilMs !== undefined) return
    key.rateLimitStrikes += 1
    if (key.rateLimitStrikes >= options.rateLimitStrikes) {
      rest(key, 'rate-limited', nowMs + Math.max(options.rateLimitCooldownMs, retryAfterMs ?? 0))
    }
  }

  return {
    pick: () => {
      const nowMs = wake()
      const recentSinceMs = nowMs - options.rateLimitCooldownMs
      let chosen: KeyRecord | undefined
      for (let offset = 0; offset < keys.length; offset += 1) {
        const key = keys[(cursor + offset) % keys.length]!
        if (key.coolingUntilMs !== undefined) continue
        if (key.lastFailureMs === undefined || key.lastFailureMs <= recentSinceMs) {
          chosen = key
          break
        }
        if (chosen === undefined || key.lastFailureMs < (chosen.lastFailureMs ?? Number.NEGATIVE_INFINITY)) chosen = key
      }
      if (chosen === undefined) return undefined
      cursor = (chosen.keyIndex + 1) % keys.length
      return chosen.keyIndex
    },
    nextAvailableMs: () => {
      wake()
      if (keys.some((key) => key.coolingUntilMs === undefined)) return undefined
      return Math.min(...keys.map((key) => key.coolingUntilMs ?? Number.POSITIVE_INFINITY))
    },
    report: (keyIndex, outcome) => {
      const key = keys[keyIndex] ?? fail('gateway_internal', `A key pool of ${keys.length} has no key ${keyIndex}.`)
      const nowMs = wake()
      if (outcome.kind === 'success') {
        key.rateLimitStrikes = 0
        return
      }
      key.lastFailureMs = nowMs
      if (outcome.kind === 'rate-limited') recordRateLimit(key, nowMs, outcome.retryAfterMs)
      else if (outcome.kind === 'unauthorized' && key.coolingReason !== 'unauthorized' && keys.some((other) => other !== key && other.coolingUntilMs === undefined)) {
        // The last key standing is never rested for a 401: with nothing to switch to, a rest would only turn every
        // request into a fast 503 for minutes, and a 401 a provider sent by mistake would take its models down.
        rest(key, 'unauthorized', Math.max(nowMs + options.cooldownMs, key.coolingUntilMs ?? 0))
      }
    },
    states: () => {
      wake()
      return keys.map(({ keyIndex, coolingUntilMs, rateLimitStrikes, lastFailureMs }) => ({ keyIndex, coolingUntilMs, rateLimitStrikes, lastFailureMs }))
    },
  }
}

/** Every provider's key pool, by provider id: per-process state, built once in `createApp`. */
export type KeyPools = ReadonlyMap<string, KeyPool>

/** One pool per provider, resting keys for the limits' durations; `onCooldown` learns which provider's key rests. */
export function createKeyPools(
  providers: readonly Pick<Provider, 'id' | 'keyCount'>[],
  options: {
    now: () => number
    limits: Pick<Limits, 'keyCooldownMs' | 'keyRateLimitCooldownMs' | 'keyRateLimitStrikes'>
    onCooldown: (event: CooldownEvent & { providerId: string }) => void
  },
): KeyPools {
  const pools = new Map<string, KeyPool>()
  for (const provider of providers) {
    pools.set(
      provider.id,
      createKeyPool({
        keyCount: provider.keyCount,
        now: options.now,
        cooldownMs: options.limits.keyCooldownMs,
        rateLimitCooldownMs: options.limits.keyRateLimitCooldownMs,
        rateLimitStrikes: options.limits.keyRateLimitStrikes,
        onCooldown: (event) => options.onCooldown({ ...event, providerId: provider.id }),
      }),
    )
  }
  return pools
}
