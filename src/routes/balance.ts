import { Elysia } from 'elysia'
import type { RouteDependencies } from './dependencies.ts'

/**
 * `GET /v1/balance`: the caller's prepaid balance. The key is optional here: without one the answer is
 * `balance_usd: null` (so a dashboard can probe), with a bad one 401. Queued settlements are written first, so the
 * balance reflects every request that has already answered.
 */
export function balanceRoutes(dependencies: Pick<RouteDependencies, 'contexts' | 'ledger'>) {
  return new Elysia({ name: 'balance', normalize: false }).get(
    '/v1/balance',
    async ({ request }) => {
      const apiKey = dependencies.contexts.get(request).apiKey
      if (apiKey === undefined) return Response.json({ balance_usd: null, currency: 'USD', updated_at: null })
      await dependencies.ledger.flush()
      const balance = await dependencies.ledger.balance(apiKey.accountId)
      return Response.json({
        balance_usd: (balance?.balanceMicros ?? 0) / 1_000_000,
        currency: 'USD',
        updated_at: new Date(balance?.updatedAtMs ?? 0).toISOString(),
      })
    },
    { detail: { operationId: 'getBalance', tags: ['Billing'], summary: 'Prepaid balance of the calling key' } },
  )
}
