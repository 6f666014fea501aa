import { Elysia, t } from 'elysia'
import { fail } from '../core/error.ts'
import { randomBase62 } from '../core/ids.ts'
import { formatMicrosAsUsd, parseUsdToMicros } from '../core/money.ts'
import type { LedgerConnection } from '../ledger/database.ts'
import { listEntries, listUsage } from '../ledger/entries.ts'
import { createKey, describeKey, findKeyById, listKeys, revokeKey } from '../ledger/keys.ts'
import type { RouteDependencies } from './dependencies.ts'

export type AdminDependencies = Pick<RouteDependencies, 'ledger' | 'now'> & {
  connection: LedgerConnection
  /** Called after a revocation so the key stops working at once in this process. */
  forgetKey: (keyHash: string) => void
}

const usd = t.String({ pattern: '^\\d{1,12}(\\.\\d{1,6})?$' })
const limitQuery = t.Object({ limit: t.Optional(t.String({ pattern: '^\\d{1,4}$' })) })

/**
 * The admin API (enabled by ANVAT_ADMIN_TOKEN, checked at the edge): keys, top-ups, ledger entries and usage.
 * Amounts are decimal USD strings in and out, so no float ever touches money.
 */
export function adminRoutes(dependencies: AdminDependencies) {
  const { connection, ledger, now } = dependencies
  const keyOr404 = async (id: string) => (await findKeyById(connection, id)) ?? fail('caller_not_found', `No key with id '${id}'.`, { param: 'id' })
  const detail = (operationId: string, summary: string) => ({ detail: { operationId, tags: ['Admin'], summary } })
  return new Elysia({ name: 'admin', prefix: '/admin', normalize: false })
    .post(
      '/keys',
      async ({ body }) => {
        const creditMicros = parseUsdToMicros(body.credit_usd) ?? fail('caller_invalid_request', 'credit_usd: Input should be a USD amount', { param: 'credit_usd' })
        const windowSpendMicros = body.window_spend_usd === undefined ? null : parseUsdToMicros(body.window_spend_usd) ?? null
        const created = await createKey(
          connection,
          { name: body.name, creditMicros, rpm: body.rpm ?? null, concurrency: body.concurrency ?? null, windowSpendMicros },
          now(),
        )
        return Response.json({ id: created.id, key: created.key, account_id: created.accountId, credit_usd: formatMicrosAsUsd(creditMicros) }, { status: 201 })
      },
      {
        body: t.Object({
          name: t.String({ minLength: 1, maxLength: 200 }),
          credit_usd: usd,
          rpm: t.Optional(t.Integer({ minimum: 1, maximum: 1_000_000_000 })),
          concurrency: t.Optional(t.Integer({ minimum: 1, maximum: 1_000_000 })),
          window_spend_usd: t.Optional(usd),
        }),
        ...detail('adminCreateKey', 'Create a key with opening credit'),
      },
    )
    .get('/keys', async () => Response.json({ data: (await listKeys(connection)).map(describeKey) }), detail('adminListKeys', 'List keys'))
    .post(
      '/keys/:id/revoke',
      async ({ params }) => {
        await keyOr404(params.id)
        const revoked = await revokeKey(connection, params.id, now())
        if (revoked !== undefined) dependencies.forgetKey(revoked.keyHash)
        return Response.json({ id: params.id, revoked: true })
      },
      detail('adminRevokeKey', 'Revoke a key'),
    )
    .post(
      '/keys/:id/credit',
      async ({ params, body }) => {
        const key = await keyOr404(params.id)
        const amountMicros = parseUsdToMicros(body.usd) ?? 0
        if (amountMicros <= 0) fail('caller_invalid_request', 'usd: Input should be a positive USD amount', { param: 'usd' })
        const id = body.id ?? `topup_${randomBase62(20)}`
        const added = await ledger.credit({ id, accountId: key.accountId, kind: 'top-up', amountMicros, note: body.note ?? null })
        const balance = await ledger.balance(key.accountId)
        return Response.json({ entry_id: id, added, balance_usd: formatMicrosAsUsd(balance?.balanceMicros ?? 0) }, { status: added ? 201 : 200 })
      },
      {
        body: t.Object({ usd, note: t.Optional(t.String({ maxLength: 1000 })), id: t.Optional(t.String({ pattern: '^[A-Za-z0-9_:.-]{1,128}$' })) }),
        ...detail('adminAddCredit', 'Top up a key’s account (idempotent by id)'),
      },
    )
    .get(
      '/keys/:id/entries',
      async ({ params, query }) => {
        const key = await keyOr404(params.id)
        await ledger.flush()
        const entries = await listEntries(connection, key.accountId, Number(query.limit ?? 100))
        return Response.json({ data: entries.map((entry) => ({ ...entry, amountUsd: formatMicrosAsUsd(entry.amountMicros) })) })
      },
      { query: limitQuery, ...detail('adminListEntries', 'Ledger entries of a key’s account') },
    )
    .get(
      '/keys/:id/usage',
      async ({ params, query }) => {
        await keyOr404(params.id)
        await ledger.flush()
        const records = await listUsage(connection, params.id, Number(query.limit ?? 100))
        return Response.json({ data: records.map((record) => ({ ...record, costUsd: formatMicrosAsUsd(record.costMicros) })) })
      },
      { query: limitQuery, ...detail('adminListUsage', 'Usage records of a key') },
    )
}
