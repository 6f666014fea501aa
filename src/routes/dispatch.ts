import type { Operation } from '../core/dialect.ts'
import { classifyUpstreamStatus, fail, GatewayFailure } from '../core/error.ts'
import type { Provider } from '../core/provider.ts'
import type { ConnectProbe } from '../providers/connect-probe.ts'
import type { KeyOutcome, KeyPool } from '../providers/key-pool.ts'
import { peekFirstEvent } from '../translate/first-event.ts'
import { backoffDelayMs, isRetryable, retryAfterMsOf, waitTooLong, type AttemptFailure, type RetryPolicy } from '../translate/retry-policy.ts'

/*
 * Getting an answer out of the upstreams before the caller sees a byte (WIRE.md §0.3, "status before stream"): each
 * target (the requested model, then its fallbacks) gets up to `attemptsMax` attempts, each with a key from its
 * provider's pool, a headers deadline, and backoff with full jitter between attempts; all of it within one total
 * deadline. The first answer that is not worth retrying (a success, or the request's own 4xx) is the one relayed.
 * Nothing here writes to the caller, so nothing is ever sent twice.
 */

/** One way to serve the request: a provider, its operation, and the body in its dialect. */
export type DispatchTarget = {
  provider: Provider
  operation: Operation
  body: string
  /** A streamed request (for logs; both kinds wait for headers up to the first-byte timeout). */
  streaming: boolean
}

export type DispatchCall = {
  /** The gateway's id for the request, passed to upstreams that take a client request id. */
  requestId: string
  search: string
  headers: Headers
  signal: AbortSignal
  /** Counts upstream requests as they are made, so a failure thrown out of dispatch still reports them. */
  progress: { attempts: number }
}

export type DispatchDependencies = {
  policy: RetryPolicy
  keyPoolOf: (provider: Provider) => KeyPool
  now: () => number
  /** Waits, or rejects as soon as `signal` aborts. */
  sleep: (milliseconds: number, signal: AbortSignal) => Promise<void>
  random: () => number
  /** How long a stream's first event may take before the stream is committed to the caller (one keepalive interval). */
  firstEventWaitMs: number
  /** Checks the upstream's host accepts a connection within its connect timeout (providers/connect-probe.ts). */
  connectProbe: ConnectProbe
  /** One line per failed attempt: never a key, only the provider and the key's index. */
  log: (message: string, fields: Record<string, string | number>) => void
}

/** The answer to relay (maybe an error the retries could not get past), which target gave it, and how to stop it. */
export type Dispatched = {
  response: Response
  targetIndex: number
  /** Upstream requests made, this one included. */
  attempts: number
  /** Cancels the upstream request (the caller left). */
  abortUpstream: () => void
  /** Stops following the caller's signal, once the answer is fully relayed. */
  detach: () => void
}

type Attempted = { response: Response; abort: AbortController; detach: () => void } | { failure: AttemptFailure }

/**
 * Tries `targets` in order until one answers something not worth retrying, or the attempts, the targets or the
 * deadline run out; then the last answer is relayed as it is (an upstream error keeps its status and retry-after),
 * or, when no target answered at all, the caller gets 502 (unreachable) or 504 (timed out).
 */
export async function dispatch(targets: readonly DispatchTarget[], call: DispatchCall, dependencies: DispatchDependencies): Promise<Dispatched> {
  const { policy, now } = dependencies
  const deadlineMs = now() + policy.deadlineMs
  let attempts = 0
  let last: { targetIndex: number; attempted: Extract<Attempted, { response: Response }> } | undefined
  let lastFailure: AttemptFailure | undefined
  let coolingUntilMs: number | undefined
  const discardLast = () => {
    if (last === undefined) return
    last.attempted.detach()
    last.attempted.response.body?.cancel().catch(() => undefined)
    last = undefined
  }

  targets: for (const [targetIndex, target] of targets.entries()) {
    const pool = dependencies.keyPoolOf(target.provider)
    for (let attempt = 1; attempt <= policy.attemptsMax; attempt++) {
      if (call.signal.aborted) return fail('provider_unreachable', 'The request was cancelled by the client.')
      const keyIndex = pool.pick()
      if (keyIndex === undefined) {
        // Every key of this provider is resting: the next target may have one.
        const until = pool.nextAvailableMs()
        if (until !== undefined) coolingUntilMs = Math.min(coolingUntilMs ?? until, until)
        dependencies.log('upstream keys cooling down', { provider: target.provider.id })
        continue targets
      }
      attempts++
      call.progress.attempts = attempts
      let attempted = await attemptOnce(target, keyIndex, call, dependencies)
      if ('response' in attempted && attempted.response.ok && target.streaming && isEventStream(attempted.response)) {
        // A stream that fails in its first event has shown the caller nothing yet: as retryable as a 529.
        const peeked = await peekFirstEvent(attempted.response, dependencies.firstEventWaitMs)
        if ('failed' in peeked) {
          attempted.detach()
          attempted = { failure: peeked.failed }
        } else {
          attempted = { ...attempted, response: peeked.response }
        }
      }
      const failure = 'failure' in attempted ? attempted.failure : failureOf(attempted.response, now())
      pool.report(keyIndex, keyOutcomeOf(failure))
      if (failure === undefined || isCallersFault(failure)) {
        // A success, or the request's own mistake, which every other attempt would repeat: relayed as it is.
        discardLast()
        if ('failure' in attempted) return unanswered(attempted.failure)
        return { response: attempted.response, targetIndex, attempts, abortUpstream: () => attempted.abort.abort(), detach: attempted.detach }
      }
      discardLast()
      if ('response' in attempted) last = { targetIndex, attempted }
      lastFailure = failure
      const retryHere = attempt < policy.attemptsMax && retryableHere(failure, pool, keyIndex, now()) && !waitTooLong(policy, failure)
      const delayMs = retryHere ? backoffDelayMs(policy, attempt, failure, dependencies.random) : 0
      dependencies.log('upstream attempt failed', {
        provider: target.provider.id,
        key: keyIndex,
        attempt,
        failure: failure.kind === 'status' ? failure.status : failure.kind,
        next: retryHere ? `retry in ${delayMs} ms` : targetIndex + 1 < targets.length ? 'fallback' : 'give up',
      })
      if (!retryHere) continue targets
      if (now() + delayMs >= deadlineMs) break targets
      try {
        await dependencies.sleep(delayMs, call.signal)
      } catch {
        discardLast()
        return fail('provider_unreachable', 'The request was cancelled by the client.')
      }
    }
  }
  if (last !== undefined) {
    const { attempted, targetIndex } = last
    return { response: attempted.response, targetIndex, attempts, abortUpstream: () => attempted.abort.abort(), detach: attempted.detach }
  }
  if (lastFailure !== undefined) return unanswered(lastFailure)
  const waitMs = coolingUntilMs === undefined ? undefined : Math.max(0, coolingUntilMs - now())
  return fail('provider_overloaded', 'Every upstream key for this model is cooling down after errors; try again shortly.', waitMs === undefined ? {} : { retryAfterMs: waitMs })
}

/**
 * One request to one target with one key: the host must take a connection within the connect timeout, the answer's
 * headers must come within the first-byte timeout, and the caller's leaving cancels it.
 */
async function attemptOnce(target: DispatchTarget, keyIndex: number, call: DispatchCall, dependencies: DispatchDependencies): Promise<Attempted> {
  const { timeouts, origin } = target.provider
  if (origin !== undefined) {
    const connected = await dependencies.connectProbe(origin, timeouts.connectMs)
    if (connected !== 'connected') return { failure: { kind: connected === 'timeout' ? 'timeout' : 'network' } }
  }
  const abort = new AbortController()
  const follow = () => abort.abort()
  call.signal.addEventListener('abort', follow, { once: true })
  const detach = () => call.signal.removeEventListener('abort', follow)
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    abort.abort()
  }, timeouts.firstByteMs)
  try {
    const response = await target.provider.send({
      operation: target.operation,
      requestId: call.requestId,
      search: call.search,
      body: target.body,
      headers: call.headers,
      signal: abort.signal,
      keyIndex,
    })
    return { response, abort, detach }
  } catch (error) {
    detach()
    // The gateway's own refusal (an operation the provider cannot perform) is no upstream failure to retry.
    if (error instanceof GatewayFailure) throw error
    if (call.signal.aborted) return fail('provider_unreachable', 'The request was cancelled by the client.')
    // A refused or reset connection, or the first-byte timer.
    return { failure: { kind: timedOut ? 'timeout' : 'network' } }
  } finally {
    clearTimeout(timer)
  }
}

function failureOf(response: Response, nowMs: number): AttemptFailure | undefined {
  if (response.ok) return undefined
  return { kind: 'status', status: response.status, retryAfterMs: retryAfterMsOf(response.headers, nowMs) }
}

/** A 4xx the request itself caused (not the key's, not a rate or a conflict): no attempt anywhere would do better. */
function isCallersFault(failure: AttemptFailure): boolean {
  return failure.kind === 'status' && !isRetryable(failure) && failure.status !== 401 && failure.status !== 403
}

/**
 * Whether another attempt on the same target could succeed: 401/403 are the key's fault, so only when the pool has
 * another key that is not resting; everything else retryable, always. A target that cannot be retried falls back.
 */
function retryableHere(failure: AttemptFailure, pool: KeyPool, keyIndex: number, nowMs: number): boolean {
  if (failure.kind === 'status' && (failure.status === 401 || failure.status === 403)) {
    return pool.states().some((state) => state.keyIndex !== keyIndex && (state.coolingUntilMs === undefined || state.coolingUntilMs <= nowMs))
  }
  return true
}

function keyOutcomeOf(failure: AttemptFailure | undefined): KeyOutcome {
  if (failure === undefined) return { kind: 'success' }
  if (failure.kind !== 'status') return { kind: 'failure' }
  // Only a 401 rests a key: a 403 may be about this request (a model the account may not use), not the key.
  if (failure.status === 401) return { kind: 'unauthorized' }
  if (failure.status === 429) return failure.retryAfterMs === undefined ? { kind: 'rate-limited' } : { kind: 'rate-limited', retryAfterMs: failure.retryAfterMs }
  // The request's own 4xx says nothing about the key; a 5xx is the upstream's trouble.
  return failure.status >= 500 ? { kind: 'failure' } : { kind: 'success' }
}

function unanswered(failure: AttemptFailure): never {
  if (failure.kind === 'timeout') return fail('provider_timeout', 'The upstream provider did not answer in time.')
  if (failure.kind === 'status') {
    // A stream that failed in its first event: the error its status stands for, in the caller's envelope.
    return fail(classifyUpstreamStatus(failure.status), `The upstream provider failed with status ${failure.status}.`)
  }
  return fail('provider_unreachable', 'The upstream provider could not be reached.')
}

function isEventStream(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').startsWith('text/event-stream')
}
