import type { SqlClient, SqlValue } from './sql-client.ts'

/*
 * Usage summed over a time range and grouped: what `GET /v1/usage` answers a caller about its own account (or key),
 * and `GET /admin/usage` the operator about everyone. One aggregate query on the usage records' indexes; money stays
 * integer micro-USD until the edge.
 */

export const usageGroupings = ['model', 'day', 'key', 'account'] as const
export type UsageGrouping = (typeof usageGroupings)[number]

export type UsageRow = {
  /** The group's value: a model id, a UTC day (`YYYY-MM-DD`), a key id or an account id. */
  group: string
  requests: number
  inputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  outputTokens: number
  reasoningTokens: number
  costMicros: number
}

export type UsageScope = { accountId: string } | { keyId: string } | 'everyone'

const groupExpression: Record<UsageGrouping, string> = {
  model: 'model',
  day: "strftime('%Y-%m-%d', created_at_ms / 1000, 'unixepoch')",
  key: 'key_id',
  account: 'account_id',
}

/** Usage in [fromMs, toMs) for the scope, one row per group, ordered by group. */
export async function usageReport(client: SqlClient, scope: UsageScope, grouping: UsageGrouping, fromMs: number, toMs: number): Promise<UsageRow[]> {
  const where: string[] = ['created_at_ms >= ?', 'created_at_ms < ?']
  const args: SqlValue[] = [fromMs, toMs]
  if (scope !== 'everyone') {
    if ('accountId' in scope) {
      where.unshift('account_id = ?')
      args.unshift(scope.accountId)
    } else {
      where.unshift('key_id = ?')
      args.unshift(scope.keyId)
    }
  }
  const group = groupExpression[grouping]
  const rows = await client.query<Record<string, number | string>>({
    sql: `SELECT ${group} AS usage_group, COUNT(*) AS requests, SUM(input_tokens) AS input_tokens, SUM(cache_read_tokens) AS cache_read_tokens,
                 SUM(cache_write_5m_tokens + cache_write_1h_tokens) AS cache_write_tokens, SUM(output_tokens) AS output_tokens,
                 SUM(reasoning_tokens) AS reasoning_tokens, SUM(cost_micros - unbilled_micros) AS cost_micros
          FROM usage_records WHERE ${where.join(' AND ')} GROUP BY usage_group ORDER BY usage_group`,
    args,
  })
  return rows.map((row) => ({
    group: String(row.usage_group),
    requests: Number(row.requests),
    inputTokens: Number(row.input_tokens),
    cacheReadTokens: Number(row.cache_read_tokens),
    cacheWriteTokens: Number(row.cache_write_tokens),
    outputTokens: Number(row.output_tokens),
    reasoningTokens: Number(row.reasoning_tokens),
    costMicros: Number(row.cost_micros),
  }))
}
