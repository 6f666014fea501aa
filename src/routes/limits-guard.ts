import type { PlanConfig } from '../config/schema.ts'
import { fail } from '../core/error.ts'
import { formatMicrosAsUsd, usdToMicros } from '../core/money.ts'
import type { ApiKeyRecord } from '../ledger/keys.ts'
import type { Ledger } from '../ledger/ledger.ts'
import type { LimiterStore } from '../limits/limiter-store.ts'
import { decideSpend, spendRetryAfterMs, spendToLeaveMicros } from '../limits/spend-window.ts'

/** The spend window when a plan names none: 5 hours. */
const defaultWindowSeconds = 18_000
/** The header value for a limit that is not set. */
export const unlimited = 'unlimited'

/** A key's limits: its own stored values, else its plan's, else none (null). */
export type EffectiveLimits = { rpm: number | null; concurrency: number | null; windowSpendMicros: number | null; windowMs: number }

export function effectiveLimits(apiKey: ApiKeyRecord, plan: PlanConfig | undefined): EffectiveLimits {
  const planSpend = plan?.windowSpendUsd === undefined ? null : usdToMicros(plan.windowSpendUsd)
  return {
    rpm: apiKey.rpm ?? plan?.rpm ?? null,
    concurrency: apiKey.concurrency ?? plan?.concurrency ?? null,
    windowSpendMicros: apiKey.windowSpendMicros ?? planSpend,
    windowMs: (plan?.windowSeconds ?? defaultWindowSeconds) * 1000,
  }
}

/** A request let in by the rate and concurrency limits, until it ends. */
export type Admission = {
  /** The three `x-anvat-*-remaining` headers, as of now. */
  headers: () => Record<string, string>
  /** Hands the concurrency slot back; safe to call more than once. */
  release: () => void
  /** A later refusal (402, spend cap): the request consumed no rate either. */
  withdraw: () => void
  /** Checks the spend window for a hold of `requestMicros`, then runs `reserve` with no other request of this key in between. */
  reserveWithinSpend: <T>(requestMicros: number, reserve: () => Promise<T>) => Promise<T>
}

type GuardDependencies = { limiters: LimiterStore; ledger: Ledger; now: () => number }

/**
 * Admits a request under its key's request rate (a true sliding 60 s window) and concurrency, or refuses it with a
 * 429 naming the limit, with `retry-after` and the remaining-limit headers. A refused request consumes nothing.
 */
export function admitRequest(dependencies: GuardDependencies, apiKey: ApiKeyRecord, limits: EffectiveLimits): Admission {
  const { limiters } = dependencies
  let spendRemainingMicros: number | null = null
  const headers = () => ({
    'x-anvat-rpm-remaining': limits.rpm === null ? unlimited : String(limiters.requestsRemaining(apiKey.id, limits.rpm)),
    'x-anvat-concurrent-remaining': limits.concurrency === null ? unlimited : String(limiters.concurrency.remaining(apiKey.id, limits.concurrency)),
    'x-anvat-window-spend-remaining-usd': limits.windowSpendMicros === null ? unlimited : formatMicrosAsUsd(spendRemainingMicros ?? limits.windowSpendMicros),
  })

  let admittedAtMs: number | undefined
  if (limits.rpm !== null) {
    const decision = limiters.admitRequest(apiKey.id, limits.rpm)
    if (!decision.allowed) {
      fail('policy_rate_limited', `Rate limit exceeded: this key allows ${limits.rpm} requests per minute (rpm).`, { retryAfterMs: decision.retryAfterMs, headers: headers(), limit: 'rpm' })
    }
    admittedAtMs = decision.admittedAtMs
  }
  const withdrawRate = () => {
    if (admittedAtMs !== undefined) limiters.forgetRequest(apiKey.id, admittedAtMs)
    admittedAtMs = undefined
  }
  let release = () => undefined as void
  if (limits.concurrency !== null) {
    const slot = limiters.concurrency.acquire(apiKey.id, limits.concurrency)
    if (!slot.allowed) {
      withdrawRate()
      fail('policy_rate_limited', `Concurrency limit exceeded: this key allows ${limits.concurrency} requests in flight at once.`, {
        retryAfterMs: 1000,
        headers: headers(),
        limit: 'concurrency',
      })
    }
    release = slot.release
  }

  const withdraw = () => {
    withdrawRate()
    release()
  }
  return {
    headers,
    release: () => release(),
    withdraw,
    reserveWithinSpend: async (requestMicros, reserve) => {
      const capMicros = limits.windowSpendMicros
      if (capMicros === null) return reserve()
      return limiters.serialize(apiKey.id, async () => {
        const nowMs = dependencies.now()
        const sinceMs = nowMs - limits.windowMs
        const spend = await dependencies.ledger.windowSpend(apiKey.accountId, sinceMs)
        const decision = decideSpend({ capMicros, settledMicros: spend.settledMicros, heldMicros: spend.heldMicros, requestMicros })
        spendRemainingMicros = decision.remainingMicros
        if (!decision.allowed) {
          const toLeaveMicros = spendToLeaveMicros({ capMicros, settledMicros: spend.settledMicros, heldMicros: spend.heldMicros, requestMicros })
          const leavesAtMs = toLeaveMicros === undefined ? undefined : await dependencies.ledger.spendReachedAt(apiKey.accountId, spend.baseTotalMicros + toLeaveMicros)
          const retryAfterMs = spendRetryAfterMs({ windowMs: limits.windowMs, nowMs, leavesAtMs })
          // Refused: take back its rate and slot first, so the headers say what the caller has left, as other 429s do.
          withdraw()
          fail('policy_rate_limited', `Spend limit exceeded: this key may spend $${formatMicrosAsUsd(capMicros)} per ${limits.windowMs / 1000} s window, counting requests in flight.`, {
            retryAfterMs,
            headers: headers(),
            limit: 'window_spend',
          })
        }
        return reserve()
      })
    },
  }
}
