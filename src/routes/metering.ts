import type { Dialect } from '../core/dialect.ts'
import { fail } from '../core/error.ts'
import { formatMicrosAsUsd } from '../core/money.ts'
import type { MeterReading } from '../core/stream.ts'
import type { Usage } from '../core/usage.ts'
import type { Ledger, UsageRecordInput } from '../ledger/ledger.ts'
import { affordableOutputTokens, costMicros, reservationMicros, type ExactPricing } from '../ledger/pricing.ts'
import { estimateOutputTokens } from '../translate/estimate-input.ts'
import type { StreamOutcome } from '../translate/passthrough-stream.ts'

/** The fewest output tokens worth sending a request upstream for when credit is short. */
const outputTokensMin = 16

export type Hold = { reservedMicros: number; outputTokensMax: number; lowered: boolean }

/**
 * Reserves the worst case before dispatch: the input estimate plus every allowed output token. When the balance
 * cannot cover that, the output limit is lowered to what it can pay for; when it cannot pay for the input and a
 * minimal output, the answer is 402.
 */
export async function reserveCredit(
  ledger: Ledger,
  request: { accountId: string; requestId: string; pricing: ExactPricing; inputTokens: number; outputTokensMax: number },
): Promise<Hold> {
  const wanted = reservationMicros(request.pricing, request.inputTokens, request.outputTokensMax)
  const first = await ledger.reserve({ accountId: request.accountId, requestId: request.requestId, amountMicros: wanted })
  if (first.ok) return { reservedMicros: wanted, outputTokensMax: request.outputTokensMax, lowered: false }
  const affordable = Math.min(request.outputTokensMax, affordableOutputTokens(request.pricing, request.inputTokens, first.availableMicros))
  if (affordable >= Math.min(outputTokensMin, request.outputTokensMax)) {
    const lowered = reservationMicros(request.pricing, request.inputTokens, affordable)
    const second = await ledger.reserve({ accountId: request.accountId, requestId: request.requestId, amountMicros: lowered })
    if (second.ok) return { reservedMicros: lowered, outputTokensMax: affordable, lowered: true }
  }
  return fail('policy_insufficient_credit', 'Insufficient credit: add credit to this key’s account to continue.', { limit: 'credit' })
}

/** A cost to charge, with how it was arrived at. */
export type Charge = { usage: Usage; costMicros: number; estimated: boolean; partial: boolean }

/** The charge for a whole answer: the upstream's usage at the model's price, or an estimate when it gave none. */
export function chargeForWhole(dialect: Dialect, pricing: ExactPricing, bodyText: string, inputEstimate: number): Charge {
  let body: unknown
  try {
    body = JSON.parse(bodyText)
  } catch {
    // An unparsable success body carries no usage: bill the estimate below, flagged.
    body = undefined
  }
  const usage = dialect.decodeResponseUsage(body)
  if (usage !== undefined) return { usage, costMicros: costMicros(pricing, usage), estimated: false, partial: false }
  const estimate: Usage = { input: inputEstimate, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: estimateOutputTokens(bodyText.length), reasoning: 0 }
  return { usage: estimate, costMicros: costMicros(pricing, estimate), estimated: true, partial: false }
}

/**
 * The charge for a stream by how it ended (WIRE.md §4): nothing before any content; the upstream's figures when it
 * completed; after a cut or the client leaving, the tokens produced so far (the last cumulative output figure, else
 * an estimate from the text delivered), never more than the hold. Undefined means charge nothing.
 */
export function chargeForStream(
  outcome: StreamOutcome,
  reading: MeterReading,
  pricing: ExactPricing,
  inputEstimate: number,
  reservedMicros: number,
): Charge | undefined {
  const completed = outcome === 'completed'
  if (!reading.sawContent && !(completed && reading.usage !== undefined)) return undefined
  const estimatedOutput = estimateOutputTokens(reading.outputCharacters)
  const reported = reading.usage
  const output = reading.outputReported && reported !== undefined ? reported.output : estimatedOutput
  const usage: Usage = reported === undefined ? { input: inputEstimate, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output, reasoning: 0 } : { ...reported, output }
  const estimated = reported === undefined || !reading.outputReported
  const cost = costMicros(pricing, usage)
  if (completed) return { usage, costMicros: cost, estimated, partial: false }
  return { usage, costMicros: Math.min(cost, reservedMicros), estimated, partial: true }
}

/** The header value for a cost. */
export function costHeader(costMicros: number): string {
  return formatMicrosAsUsd(costMicros)
}

/** Builds the usage record for one request. */
export function usageRecord(base: Omit<UsageRecordInput, 'usage' | 'costMicros' | 'estimated' | 'partial'>, charge: Charge | undefined): UsageRecordInput {
  return {
    ...base,
    usage: charge?.usage ?? { input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 },
    costMicros: charge?.costMicros ?? 0,
    estimated: charge?.estimated ?? false,
    partial: charge?.partial ?? false,
  }
}
