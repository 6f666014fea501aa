import { Elysia, t } from 'elysia'
import { fail } from '../core/error.ts'
import { randomBase62 } from '../core/ids.ts'
import { formatMicrosAsUsd, parseUsdToMicros } from '../core/money.ts'
import type { LedgerConnection } from '../ledger/database.ts'
import { listEntries, listUsage } from '../ledger/entries.ts'
import { createKey, describeKey, findKeyById, listKeys, revokeKey } from '../ledger/keys.ts'
import { eq } from 'drizzle-orm'
import { accountKeyHashes } from '../accounts/account-keys.ts'
import { creditPack, packMicros } from '../accounts/packs.ts'
import { auditLedger } from '../ledger/audit.ts'
import { accounts } from '../ledger/schema.ts'
import type { RouteDependencies } from './dependencies.ts'

export type AdminDependencies = Pick<RouteDependencies, 'ledger' | 'now' | 'config'> & {
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
    .post(
      '/keys/:id/packs',
      async ({ params, body }) => {
        const key = await keyOr404(params.id)
        const pack = dependencies.config.packs.find((candidate) => candidate.id === body.pack) ?? fail('caller_invalid_request', `pack: no pack with id '${body.pack}' in the config.`, { param: 'pack' })
        const id = `operator:${body.id ?? randomBase62(20)}`
        const { creditMicros } = packMicros(pack)
        const { credited } = await creditPack(connection, { id, accountId: key.accountId, packId: pack.id, source: 'operator', paidMicros: 0, creditMicros, eventId: null }, now())
        const balance = await ledger.balance(key.accountId)
        return Response.json(
          { payment_id: id, pack: pack.id, credit_usd: formatMicrosAsUsd(creditMicros), added: credited, balance_usd: formatMicrosAsUsd(balance?.balanceMicros ?? 0) },
          { status: credited ? 201 : 200 },
        )
      },
      {
        body: t.Object({ pack: t.String({ minLength: 1, maxLength: 128 }), id: t.Optional(t.String({ pattern: '^[A-Za-z0-9_:.-]{1,128}$' })) }),
        ...detail('adminGrantPack', 'Grant a prepaid pack to a key’s account (idempotent by id)'),
      },
    )
    .post(
      '/keys/:id/plan',
      async ({ params, body }) => {
        const key = await keyOr404(params.id)
        if (body.plan !== null && !dependencies.config.plans.has(body.plan)) fail('caller_invalid_request', `plan: no plan with id '${body.plan}' in the config.`, { param: 'plan' })
        await connection.database.update(accounts).set({ planId: body.plan }).where(eq(accounts.id, key.accountId))
        // Keys are cached with their account's plan: drop this account's keys so the new plan applies at once.
        for (const keyHash of await accountKeyHashes(connection, key.accountId)) dependencies.forgetKey(keyHash)
        return Response.json({ account_id: key.accountId, plan: body.plan })
      },
      {
        body: t.Object({ plan: t.Union([t.String({ minLength: 1, maxLength: 128 }), t.Null()]) }),
        ...detail('adminSetPlan', 'Put a key’s account on a plan (null: the default plan)'),
      },
    )
    .get(
      '/audit',
      async () => {
        // This process's queued charges first, so the books read as they stand after the answers already sent.
        await ledger.flush()
        const { limits } = dependencies.config
        return Response.json(await auditLedger(connection.client, { nowMs: now(), instanceTimeoutMs: limits.instanceTimeoutMs, reservationTimeoutMs: limits.reservationTimeoutMs }))
      },
      detail('adminAudit', 'Audit the ledger’s books'),
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
