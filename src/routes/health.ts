import { Elysia } from 'elysia'
import type { RouteDependencies } from './dependencies.ts'

/** Liveness and readiness, public: `/readyz` is 503 while starting or draining so load balancers stop sending. */
export function healthRoutes(dependencies: Pick<RouteDependencies, 'lifecycle' | 'now'>) {
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
      () => {
        const state = dependencies.lifecycle.state
        return Response.json({ status: state }, { status: state === 'ready' ? 200 : 503 })
      },
      { detail: { operationId: 'getReadiness', tags: ['Operations'], summary: 'Readiness' } },
    )
}
