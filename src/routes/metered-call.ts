import { operationDialect, type Operation } from '../core/dialect.ts'
import { fail, GatewayFailure } from '../core/error.ts'
import type { MeterReading, SseFrame } from '../core/stream.ts'
import { dialects } from '../dialects/index.ts'
import { isUsageOnlyChunk } from '../dialects/openai-chat/stream-meter.ts'
import { dearestPricing, reservationMicros } from '../ledger/pricing.ts'
import { searchOf, type RequestContext } from '../server/request-context.ts'
import type { StreamOutcome } from '../translate/passthrough-stream.ts'
import { relay, type RelayResult, type Translation } from '../translate/relay.ts'
import { setTopLevelField } from '../translate/rewrite-body.ts'
import type { Candidate, ProxyBody } from './candidates.ts'
import type { RouteDependencies } from './dependencies.ts'
import { dispatch, type DispatchTarget } from './dispatch.ts'
import type { Admission } from './limits-guard.ts'
import { chargeForStream, chargeForWhole, costHeader, reserveCredit, usageRecord, type Charge, type Hold } from './metering.ts'

export type MeteredCall = {
  dependencies: RouteDependencies
  context: RequestContext
  request: Request
  operation: Operation
  body: ProxyBody
  /** The requested model's candidate first, then its fallbacks. */
  candidates: Candidate[]
  admission: Admission
}

/**
 * Holds the worst case of every candidate within the key's spend window and credit, dispatches (retries and
 * fallbacks, before the caller sees a byte), relays the answer, then charges what the answering upstream reports at
 * its own model's price and releases the rest. Failed attempts are never charged.
 */
export async function meteredRelay(call: MeteredCall): Promise<RelayResult & { served: Candidate; limitHeaders: Record<string, string> }> {
  const { dependencies, context, operation, body, admission, candidates } = call
  const apiKey = context.apiKey ?? fail('caller_unauthenticated', 'Missing API key.')
  const requested = candidates[0] ?? fail('gateway_internal', 'No model to dispatch to.')
  const dialect = dialects[operationDialect[operation]]
  // One hold covers whichever candidate answers: the dearest rates, the largest estimate and output limit.
  const holdPricing = dearestPricing(candidates.map((candidate) => candidate.pricing))
  const reservationTokens = Math.max(...candidates.map((candidate) => candidate.estimate.reservationTokens))
  const outputTokensMax = Math.max(...candidates.map((candidate) => candidate.outputTokensMax))
  let hold: Hold
  try {
    hold = await admission.reserveWithinSpend(reservationMicros(holdPricing, reservationTokens, outputTokensMax), () =>
      reserveCredit(dependencies.ledger, { accountId: apiKey.accountId, requestId: context.requestId, pricing: holdPricing, inputTokens: reservationTokens, outputTokensMax }),
    )
  } catch (error) {
    // Refused before dispatch (spend cap, credit): the request consumed no rate either.
    admission.withdraw()
    throw error
  }
  const targets = candidates.map((candidate) => dispatchTarget(call, candidate, hold))

  const progress = { attempts: 0 }
  // The answering upstream's own id for its answer, kept for its provider's support (WIRE.md §1).
  let upstreamRequestId: string | null = null
  const record = (served: Candidate, status: number, outcome: string, charge: Charge | undefined) =>
    usageRecord(
      {
        requestId: context.requestId,
        keyId: apiKey.id,
        accountId: apiKey.accountId,
        model: served.entry.model.id,
        requestedModel: requested.entry.model.id,
        attempts: progress.attempts,
        provider: served.entry.provider.id,
        dialectIn: dialect.name,
        dialectOut: operationDialect[served.upstreamOperation],
        status,
        outcome,
        durationMs: dependencies.now() - context.startedMs,
        pricing: served.pricing,
        upstreamRequestId,
      },
      charge,
    )
  const settle = (served: Candidate, status: number, outcome: string, charge: Charge | undefined) => {
    const written =
      charge === undefined || (charge.costMicros === 0 && !charge.partial)
        ? dependencies.ledger.release(context.requestId, record(served, status, outcome, charge))
        : dependencies.ledger.settle(record(served, status, outcome, charge))
    written.catch((error: unknown) => dependencies.logger.error('ledger write failed', { request_id: context.requestId, error: String(error) }))
  }

  let dispatched
  try {
    dispatched = await dispatch(
      targets.map((target) => target.dispatch),
      { requestId: context.requestId, search: searchOf(call.request.url), headers: call.request.headers, signal: call.request.signal, progress },
      dispatchDependencies(dependencies, context.requestId),
    )
  } catch (error) {
    settle(requested, error instanceof GatewayFailure ? error.error.status : 500, 'failed', undefined)
    throw error
  }
  const served = candidates[dispatched.targetIndex] ?? requested
  upstreamRequestId = dispatched.response.headers.get('request-id') ?? dispatched.response.headers.get('x-request-id')
  const { forceUsage } = targets[dispatched.targetIndex] ?? { forceUsage: false }
  const upstreamDialect = dialects[operationDialect[served.upstreamOperation]]
  const inputEstimate = served.estimate.tokens
  let status = dispatched.response.status
  let resolveStreamEnd: (outcome: string) => void = () => undefined
  const translation: Translation | undefined =
    served.plan === undefined ? undefined : { callerDialect: dialect, translateWhole: served.plan.translateWhole, createTranslator: served.plan.createTranslator }
  // The key's limits as the answer starts, this request's slot still held: a short stream may be over (and its slot
  // given back) before the handler returns.
  const limitHeaders = admission.headers()
  let result: RelayResult
  try {
    result = await relay(dispatched, {
      provider: served.entry.provider,
      dialect: upstreamDialect,
      ...(translation === undefined ? {} : { translation }),
      requestId: context.requestId,
      limits: { ...dependencies.config.limits, streamIdleTimeoutMs: served.entry.provider.timeouts.idleMs },
      now: dependencies.now,
      scrub: dependencies.scrub,
      ...(forceUsage ? { dropFrame: (frame: SseFrame) => isUsageOnlyChunk(frame.data) } : {}),
      onWhole: (bodyText) => {
        const charge = chargeForWhole(upstreamDialect, served.pricing, bodyText, inputEstimate)
        settle(served, status, 'completed', charge)
        return { 'x-anvat-cost-usd': costHeader(charge.costMicros) }
      },
      onStreamEnd: async (outcome: StreamOutcome, meter: { reading: () => MeterReading }) => {
        admission.release()
        const charge = chargeForStream(outcome, meter.reading(), served.pricing, inputEstimate, hold.reservedMicros)
        settle(served, status, outcome, charge)
        resolveStreamEnd(outcome)
        return `x-anvat-cost-usd=${costHeader(charge?.costMicros ?? 0)}`
      },
    })
  } catch (error) {
    // An upstream's own error, translated for the caller, is recorded as a relayed one would be.
    const outcome = error instanceof GatewayFailure && error.error.upstream !== undefined ? 'upstream-error' : 'failed'
    settle(served, error instanceof GatewayFailure ? error.error.status : 500, outcome, undefined)
    throw error
  }
  status = result.response.status
  context.served = { provider: served.entry.provider.id, dialect: upstreamDialect.name }
  if (result.kind === 'stream') {
    // The relay holds a stream back until its first event, so this is when the caller's first token leaves.
    context.firstEventMs = dependencies.now() - context.startedMs
    context.streamEnded = new Promise((resolve) => (resolveStreamEnd = resolve))
  }
  if (result.kind === 'upstream-error') settle(served, result.response.status, 'upstream-error', undefined)
  if (hold.lowered) result.response.headers.set('x-anvat-max-tokens-lowered', String(hold.outputTokensMax))
  if (served !== requested) result.response.headers.set('x-anvat-served-model', served.entry.model.id)
  return { ...result, served, limitHeaders }
}

/** A candidate's dispatch target: its body with a lowered limit, and a Chat stream's usage asked for. */
function dispatchTarget(call: MeteredCall, candidate: Candidate, hold: Hold): { dispatch: DispatchTarget; forceUsage: boolean } {
  const { body, operation } = call
  let upstreamBody = candidate.body
  if (hold.lowered) upstreamBody = setTopLevelField(upstreamBody, candidate.outputLimitField, String(Math.min(hold.outputTokensMax, candidate.outputTokensMax)))
  // Chat streams carry usage only when asked: ask on the caller's behalf, and keep that extra chunk from it. (A
  // translated call's encoder always asks, and its stream encoder answers the caller's own wish.)
  const forceUsage = candidate.plan === undefined && operation === 'chat-completions' && body.stream === true && body.stream_options?.include_usage !== true
  if (forceUsage) upstreamBody = setTopLevelField(upstreamBody, 'stream_options', JSON.stringify({ ...body.stream_options, include_usage: true }))
  return { dispatch: { provider: candidate.entry.provider, operation: candidate.upstreamOperation, body: upstreamBody, streaming: body.stream === true }, forceUsage }
}

/** Dispatch's clock, sleeper, randomness, key pools and log, from the route's dependencies. */
export function dispatchDependencies(dependencies: RouteDependencies, requestId: string, attemptsMax?: number) {
  const { limits } = dependencies.config
  return {
    policy: {
      attemptsMax: attemptsMax ?? limits.retryAttemptsMax,
      baseDelayMs: limits.retryBaseDelayMs,
      delayMaxMs: limits.retryDelayMaxMs,
      deadlineMs: limits.retryDeadlineMs,
      retryAfterMaxMs: limits.retryAfterMaxMs,
    },
    keyPoolOf: dependencies.keyPoolOf,
    now: dependencies.now,
    sleep: dependencies.sleep,
    random: dependencies.random,
    connectProbe: dependencies.connectProbe,
    firstEventWaitMs: limits.keepaliveIntervalMs,
    log: (message: string, fields: Record<string, string | number>) => dependencies.logger.warn(message, { request_id: requestId, ...fields }),
  }
}
