/**
 * Helpers for tests about money: read a key's balance both ways (`GET /v1/balance` and the ledger, checked against
 * each other and against the sum of the account's entries), find the hold and the usage record of one request, and
 * poll for a settlement that is written after the response has gone.
 */
import { expect } from 'bun:test'
import { parseUsdToMicros } from '../../src/core/money.ts'
import type { TestGateway } from './gateway.ts'
import type { Operation } from '../../src/core/dialect.ts'
import { decodeCallerRequest, estimateInput, type InputEstimate } from '../../src/routes/input-estimate.ts'
import { sharedTokenEstimator } from './gateway.ts'

/** The test catalog's prices in micro-USD per token (USD per million tokens): see `testModels()`. */
export const testPriceMicros = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 } as const

/** One row of `usage_records`, as the ledger stores it. */
export type StoredUsageRecord = {
  request_id: string
  key_id: string
  model: string
  input_tokens: number
  cache_read_tokens: number
  cache_write_5m_tokens: number
  cache_write_1h_tokens: number
  output_tokens: number
  reasoning_tokens: number
  cost_micros: number
  unbilled_micros: number
  status: number
  outcome: string
  estimated: number
  partial: number
}

/**
 * The key's balance in micro-USD. It asks `/v1/balance` (which writes queued settlements first) and the ledger, and
 * fails unless both agree with each other and with the sum of the account's ledger entries.
 */
export async function balanceMicros(gateway: TestGateway): Promise<number> {
  const response = await gateway.handle('/v1/balance')
  expect(response.status).toBe(200)
  const body = (await response.json()) as { balance_usd: number }
  const viaApi = Math.round(body.balance_usd * 1_000_000)
  const viaLedger = (await gateway.ledger.balance(gateway.accountId))!.balanceMicros
  const [entries] = await gateway.connection.client.query<{ total: number }>({
    sql: 'SELECT COALESCE(SUM(amount_micros), 0) AS total FROM ledger_entries WHERE account_id = ?',
    args: [gateway.accountId],
  })
  expect(viaApi).toBe(viaLedger)
  expect(Number(entries!.total)).toBe(viaLedger)
  expect(viaLedger).toBeGreaterThanOrEqual(0)
  return viaLedger
}

/** The amount a request held, read from its `:reserve` entry; undefined if it never reserved. */
export async function holdMicros(gateway: TestGateway, requestId: string): Promise<number | undefined> {
  // Holds are written with the next group commit, after the request has gone on.
  await gateway.ledger.flush()
  const rows = await gateway.connection.client.query<{ amount_micros: number }>({
    sql: 'SELECT amount_micros FROM ledger_entries WHERE id = ?',
    args: [`${requestId}:reserve`],
  })
  return rows[0] === undefined ? undefined : -Number(rows[0].amount_micros)
}

/** The request's usage record, once it is written (settlements are group-committed after the response). */
export async function usageRecordOf(gateway: TestGateway, requestId: string): Promise<StoredUsageRecord> {
  let record: StoredUsageRecord | undefined
  await eventually(async () => {
    await gateway.ledger.flush()
    const rows = await gateway.connection.client.query<StoredUsageRecord>({ sql: 'SELECT * FROM usage_records WHERE request_id = ?', args: [requestId] })
    record = rows[0]
    return record !== undefined
  }, `the usage record of ${requestId}`)
  return record!
}

/** Whether the request still has an open reservation. */
export async function isHeld(gateway: TestGateway, requestId: string): Promise<boolean> {
  await gateway.ledger.flush()
  const rows = await gateway.connection.client.query({ sql: 'SELECT 1 FROM open_reservations WHERE request_id = ?', args: [requestId] })
  return rows.length > 0
}

/** Every ledger entry of one request, as `kind amount` lines in id order, for exact comparisons. */
export async function entriesOf(gateway: TestGateway, requestId: string): Promise<string[]> {
  const rows = await gateway.connection.client.query<{ kind: string; amount_micros: number }>({
    sql: 'SELECT kind, amount_micros FROM ledger_entries WHERE request_id = ? ORDER BY id',
    args: [requestId],
  })
  return rows.map((row) => `${row.kind} ${row.amount_micros}`)
}

/** `x-anvat-cost-usd` (or a trailer's value) in micro-USD; fails on a malformed amount. */
export function costMicrosOf(costUsd: string | null | undefined): number {
  expect(costUsd).toMatch(/^\d+(\.\d{1,6})?$/)
  return parseUsdToMicros(costUsd!)!
}

/** Polls `condition` every 10 ms until it holds, failing with `description` after `timeoutMs`. */
export async function eventually(condition: () => Promise<boolean> | boolean, description: string, timeoutMs = 5_000): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadlineMs) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${description}`)
    await Bun.sleep(10)
  }
}

/** The gateway's request id for a response, in whichever header its dialect uses. */
export function requestIdOf(response: Response): string {
  const requestId = response.headers.get('request-id') ?? response.headers.get('x-request-id')
  expect(requestId).toMatch(/^req_/)
  return requestId!
}

/**
 * The input estimate a warmed-up gateway makes for a same-dialect body (src/routes/input-estimate.ts): `tokens` for
 * `message_start` and usage the upstream never reported, `reservationTokens` for the hold.
 */
export async function inputEstimateOf(operation: Operation, bodyText: string, target: { upstreamModel: string; o200k: boolean }): Promise<InputEstimate> {
  const estimator = await sharedTokenEstimator()
  return estimateInput(estimator, decodeCallerRequest(operation, JSON.parse(bodyText) as Record<string, unknown>), target, bodyText)
}
