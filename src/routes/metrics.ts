import { Elysia } from 'elysia'
import { fail } from '../core/error.ts'
import { secretMatches, presentedKey } from '../server/auth.ts'
import type { GatewayMetrics } from '../server/metrics.ts'

/**
 * `GET /metrics`: the Prometheus text format. Open unless a token is configured (ANVAT_METRICS_TOKEN), then only to
 * `Authorization: Bearer <token>`, compared in constant time. Metrics name no key, prompt or caller-chosen text.
 */
export function metricsRoutes(metrics: GatewayMetrics, token: string | undefined) {
  return new Elysia({ name: 'metrics', normalize: false }).get(
    '/metrics',
    async ({ request }) => {
      if (token !== undefined && !secretMatches(presentedKey(request.headers), token)) fail('caller_unauthenticated', 'Invalid metrics token.')
      return new Response(await metrics.render(), { headers: { 'content-type': metrics.contentType } })
    },
    { detail: { operationId: 'getMetrics', tags: ['Operations'], summary: 'Prometheus metrics' } },
  )
}
