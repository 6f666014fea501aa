import { Elysia } from 'elysia'
import type { RouteDependencies } from './dependencies.ts'

/** How long /readyz waits for the database before calling it unavailable. */
const databaseProbeTimeoutMs = 2_000
/** How long a successful database check answers /readyz: a load balancer probing every 100 ms costs ten times less. */
const databaseCheckCacheMs = 1_000

/**
 * Liveness and readiness, public. `/healthz` touches nothing (a process that answers is alive). `/readyz` is 503
 * while starting or draining, so load balancers stop sending, and 503 when the ledger's database does not answer a
 * `SELECT 1`, because every metered request needs it.
 */
export function healthRoutes(dependencies: Pick<RouteDependencies, 'lifecycle' | 'now' | 'probeDatabase' | 'logger'>) {
  const checkDatabase =
    dependencies.probeDatabase === undefined
      ? async () => true
      : createDatabaseCheck(dependencies.probeDatabase, {
          now: dependencies.now,
          timeoutMs: databaseProbeTimeoutMs,
          cacheMs: databaseCheckCacheMs,
          onFailure: (error) => dependencies.logger.warn('readiness: database unavailable', { error: String(error) }),
        })
  return new Elysia({ name: 'health', normalize: false })
    .get(
      '/healthz',
      () =>
        Response.json({
          status: 'ok',
          uptimeSeconds: Math.floor((dependencies.now() - dependencies.lifecycle.startedMs) / 1000),
        }),
      { detail: { operationId: 'getHealth', tags: ['Operations'], summary: 'Liveness' } },
    )
    .get(
      '/readyz',
      async () => {
        const state = dependencies.lifecycle.state
        if (state !== 'ready') return Response.json({ status: state }, { status: 503 })
        if (!(await checkDatabase())) return Response.json({ status: 'unavailable', reason: 'database' }, { status: 503 })
        return Response.json({ status: state })
      },
      { detail: { operationId: 'getReadiness', tags: ['Operations'], summary: 'Readiness' } },
    )
}

export type DatabaseCheckOptions = {
  now: () => number
  /** A probe slower than this counts as a failure; the probe itself is left to finish. */
  timeoutMs: number
  /** A success is reused for this long. Failures are not: the next probe asks again, so recovery shows at once. */
  cacheMs: number
  /** Called with each failure (an error, or the timeout), for the log. */
  onFailure: (error: unknown) => void
}

/**
 * Whether the database answers, asked at most once at a time: callers that arrive while a probe is running wait for
 * that probe (each up to its own timeout) rather than starting another, so a hung database holds one query, not one
 * per load-balancer probe.
 */
export function createDatabaseCheck(probe: () => Promise<unknown>, options: DatabaseCheckOptions): () => Promise<boolean> {
  let healthyUntilMs = Number.NEGATIVE_INFINITY
  let running: Promise<boolean> | undefined
  const run = () =>
    probe().then(
      () => {
        healthyUntilMs = options.now() + options.cacheMs
        return true
      },
      (error: unknown) => {
        options.onFailure(error)
        return false
      },
    )
  return async () => {
    if (options.now() < healthyUntilMs) return true
    running ??= run().finally(() => (running = undefined))
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        options.onFailure(new Error(`no answer within ${options.timeoutMs} ms`))
        resolve(false)
      }, options.timeoutMs)
    })
    try {
      return await Promise.race([running, timedOut])
    } finally {
      clearTimeout(timer)
    }
  }
}
