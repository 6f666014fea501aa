import { Elysia, t } from 'elysia'
import { fail } from '../core/error.ts'
import { formatMicrosAsUsd } from '../core/money.ts'
import { usageReport, type UsageGrouping, type UsageRow, type UsageScope } from '../ledger/usage-report.ts'
import type { RouteDependencies } from './dependencies.ts'

/*
 * Usage over a time range, grouped: `GET /v1/usage` for the calling key's account (or the key alone), and
 * `GET /admin/usage` across every account. Times are ISO 8601 or Unix seconds; the range is [from, to), 30 days up
 * to now unless given, and at most 366 days. Costs are what was charged (cost less anything left unbilled).
 */

const dayMs = 86_400_000
const defaultRangeMs = 30 * dayMs
const rangeMaxMs = 366 * dayMs

/** A query time: ISO 8601, or Unix seconds; undefined when absent. */
function parseTime(text: string | undefined, param: string): number | undefined {
  if (text === undefined || text === '') return undefined
  const milliseconds = /^\d{1,12}$/.test(text) ? Number(text) * 1000 : Date.parse(text)
  if (!Number.isFinite(milliseconds)) fail('caller_invalid_request', `${param}: expected an ISO 8601 time or Unix seconds, got '${text}'.`, { param })
  return milliseconds
}

function rangeOf(query: { from?: string; to?: string }, nowMs: number): { fromMs: number; toMs: number } {
  const toMs = parseTime(query.to, 'to') ?? nowMs
  const fromMs = parseTime(query.from, 'from') ?? toMs - defaultRangeMs
  if (fromMs >= toMs) fail('caller_invalid_request', 'from: must be before to.', { param: 'from' })
  if (toMs - fromMs > rangeMaxMs) fail('caller_invalid_request', 'from: the range may span at most 366 days.', { param: 'from' })
  return { fromMs, toMs }
}

function describeRow(grouping: UsageGrouping, row: UsageRow) {
  return {
    [grouping]: row.group,
    requests: row.requests,
    input_tokens: row.inputTokens,
    cache_read_tokens: row.cacheReadTokens,
    cache_write_tokens: row.cacheWriteTokens,
    output_tokens: row.outputTokens,
    reasoning_tokens: row.reasoningTokens,
    cost_usd: formatMicrosAsUsd(row.costMicros),
  }
}

/** The answer both routes give: the range, the grouping, the rows, and their total. */
function usageAnswer(grouping: UsageGrouping, range: { fromMs: number; toMs: number }, rows: UsageRow[], scope?: string) {
  const total = rows.reduce(
    (sum, row) => ({
      requests: sum.requests + row.requests,
      input_tokens: sum.input_tokens + row.inputTokens,
      cache_read_tokens: sum.cache_read_tokens + row.cacheReadTokens,
      cache_write_tokens: sum.cache_write_tokens + row.cacheWriteTokens,
      output_tokens: sum.output_tokens + row.outputTokens,
      reasoning_tokens: sum.reasoning_tokens + row.reasoningTokens,
      costMicros: sum.costMicros + row.costMicros,
    }),
    { requests: 0, input_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, output_tokens: 0, reasoning_tokens: 0, costMicros: 0 },
  )
  const { costMicros, ...counts } = total
  return Response.json({
    object: 'usage',
    ...(scope === undefined ? {} : { scope }),
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    group_by: grouping,
    data: rows.map((row) => describeRow(grouping, row)),
    total: { ...counts, cost_usd: formatMicrosAsUsd(costMicros) },
  })
}

const timeQuery = t.Optional(t.String({ maxLength: 64 }))

export function usageRoutes(dependencies: Pick<RouteDependencies, 'contexts' | 'ledger' | 'now'> & { client: Parameters<typeof usageReport>[0] }) {
  return new Elysia({ name: 'usage', normalize: false })
    .get(
      '/v1/usage',
      async ({ request, query }) => {
        const apiKey = dependencies.contexts.get(request).apiKey ?? fail('caller_unauthenticated', 'Missing API key.')
        const range = rangeOf(query, dependencies.now())
        const grouping = query.group_by ?? 'day'
        const scope = query.scope ?? 'account'
        const where: UsageScope = scope === 'key' ? { keyId: apiKey.id } : { accountId: apiKey.accountId }
        // Charges still queued for the database first, so every request that has answered is counted.
        await dependencies.ledger.flush()
        return usageAnswer(grouping, range, await usageReport(dependencies.client, where, grouping, range.fromMs, range.toMs), scope)
      },
      {
        query: t.Object({
          from: timeQuery,
          to: timeQuery,
          group_by: t.Optional(t.Union([t.Literal('model'), t.Literal('day')])),
          scope: t.Optional(t.Union([t.Literal('account'), t.Literal('key')])),
        }),
        detail: { operationId: 'getUsage', tags: ['Billing'], summary: 'Usage of the calling key’s account, by model or day' },
      },
    )
    .get(
      '/admin/usage',
      async ({ query }) => {
        const range = rangeOf(query, dependencies.now())
        const grouping = query.group_by ?? 'account'
        await dependencies.ledger.flush()
        const scope: UsageScope = query.account === undefined ? 'everyone' : { accountId: query.account }
        return usageAnswer(grouping, range, await usageReport(dependencies.client, scope, grouping, range.fromMs, range.toMs))
      },
      {
        query: t.Object({
          from: timeQuery,
          to: timeQuery,
          group_by: t.Optional(t.Union([t.Literal('model'), t.Literal('day'), t.Literal('key'), t.Literal('account')])),
          account: t.Optional(t.String({ minLength: 1, maxLength: 128 })),
        }),
        detail: { operationId: 'adminUsage', tags: ['Admin'], summary: 'Usage across accounts, by account, key, model or day' },
      },
    )
}
