import { operationDialect, type Operation } from '../core/dialect.ts'
import type { Warning } from '../core/canonical.ts'
import { fail, GatewayFailure } from '../core/error.ts'
import type { MeterReading, SseFrame } from '../core/stream.ts'
import { stripGatewayThinking } from '../dialects/anthropic/gateway-signature.ts'
import { dialects } from '../dialects/index.ts'
import { isUsageOnlyChunk } from '../dialects/openai-chat/stream-meter.ts'
import { exactPricing, reservationMicros, type ExactPricing } from '../ledger/pricing.ts'
import type { CatalogEntry } from '../providers/registry.ts'
import { searchOf, type RequestContext } from '../server/request-context.ts'
import type { StreamOutcome } from '../translate/passthrough-stream.ts'
import { relay, type RelayResult, type Translation } from '../translate/relay.ts'
import { rewriteTopLevelModel, setTopLevelField } from '../translate/rewrite-body.ts'
import { estimatedCount, exactOrEstimated, tokenCountHeader } from './count-tokens.ts'
import type { RouteDependencies } from './dependencies.ts'
import { admitRequest, effectiveLimits, type Admission } from './limits-guard.ts'
import { decodeCallerRequest, estimateInput } from './input-estimate.ts'
import { expandInput } from './response-state.ts'
import { planTranslation, type TranslationPlan } from './translation.ts'
import type { ResponsesTranslationInput } from './translation-responses.ts'
import { chargeForStream, chargeForWhole, costHeader, reserveCredit, usageRecord, type Charge, type Hold } from './metering.ts'

const dialectTitles = {
  anthropic: 'Anthropic Messages',
  'openai-chat': 'OpenAI Chat Completions',
  'openai-responses': 'OpenAI Responses',
} as const

/** The body fields the gateway reads: the model, the output limit and whether (and how) to stream. */
type ProxyBody = {
  model: string
  stream?: boolean | null
  max_tokens?: number | null
  max_completion_tokens?: number | null
  max_output_tokens?: number | null
  stream_options?: Record<string, unknown> | null
}

/**
 * The handler shared by every model-calling route: find the model, hold the worst-case cost, relay the caller's own
 * bytes (only `model`, and an output limit the credit cannot cover, changed), then charge what the upstream reports
 * and release the rest. count_tokens is free and skips the money; for a model that does not speak Anthropic it is
 * estimated without calling the upstream (count-tokens.ts).
 */
export function proxyHandler(operation: Operation, dependencies: RouteDependencies) {
  const dialect = dialects[operationDialect[operation]]
  const pricings = new Map<string, ExactPricing>()
  return async ({ request, body }: { request: Request; body: ProxyBody }): Promise<Response> => {
    const context = dependencies.contexts.get(request)
    context.model = body.model
    const apiKey = context.apiKey ?? fail('caller_unauthenticated', 'Missing API key.')
    const entry = findEntry(dependencies, body.model)
    const bodyText = context.bodyText ?? JSON.stringify(body)
    const sameDialect = entry.provider.dialects.includes(dialect.name)
    // count_tokens for a model that does not speak Anthropic is estimated here: nothing is translated or sent.
    const estimating = operation === 'count-tokens' && !sameDialect
    // A Responses chain for a translated model is expanded from the gateway's own store before anything else.
    const responses =
      operation === 'responses' && !sameDialect
        ? { expandedInput: await expandInput(body as Record<string, unknown>, apiKey.id, dependencies.responseState), responseState: dependencies.responseState }
        : undefined
    const plan = sameDialect || estimating ? undefined : translationFor(dependencies, operation, entry, body, bodyText, apiKey.id, responses)
    let upstreamBody = plan?.body ?? bodyText
    if (plan === undefined && entry.upstreamModel !== body.model) upstreamBody = rewriteTopLevelModel(upstreamBody, entry.upstreamModel)
    if (plan === undefined && dialect.name === 'anthropic') upstreamBody = stripGatewayThinking(upstreamBody)
    const limits = effectiveLimits(apiKey, dependencies.config.defaultPlan)
    const admission = admitRequest(dependencies, apiKey, limits)
    let streaming = false
    try {
      const result =
        operation === 'count-tokens'
          ? await countTokens(dependencies, context, entry, body, bodyText, estimating, () =>
              relayOnce(dependencies, context, request, entry, operation, upstreamBody, undefined, undefined),
            )
          : await meteredRelay({ dependencies, context, request, entry, operation, body, upstreamBody, admission, pricings, plan })
      streaming = result.kind === 'stream'
      for (const [name, value] of Object.entries(admission.headers())) result.response.headers.set(name, value)
      if (plan !== undefined && plan.warnings.length > 0) result.response.headers.set('x-anvat-warnings', warningsHeader(plan.warnings))
      return result.response
    } finally {
      // A stream hands its slot back when it ends (see meteredRelay); everything else, here, whatever happened.
      if (!streaming) admission.release()
    }
  }
}

/**
 * count_tokens: a brief cache first (Claude Code repeats the same count in bursts), then the upstream's exact count
 * for a model that speaks Anthropic, else the estimate. An estimate standing in for a failed exact count is not kept,
 * so the next call asks the upstream again.
 */
async function countTokens(
  dependencies: RouteDependencies,
  context: RequestContext,
  entry: CatalogEntry,
  body: ProxyBody,
  bodyText: string,
  estimating: boolean,
  relayCount: () => Promise<RelayResult>,
): Promise<RelayResult> {
  const keyId = context.apiKey?.id ?? ''
  const requestIdHeader = dialects.anthropic.requestIdHeader
  const cached = dependencies.countCache.get(keyId, entry.model.id, bodyText)
  if (cached !== undefined) {
    return { kind: 'whole', response: new Response(cached.bodyText, { headers: { ...cached.headers, [requestIdHeader]: context.requestId } }) }
  }
  const result = estimating
    ? await estimatedCount(dependencies.tokenEstimator, body, context.requestId)
    : await exactOrEstimated(relayCount, dependencies.tokenEstimator, body, context.requestId)
  const marked = result.response.headers.get(tokenCountHeader)
  if (result.kind === 'whole' && result.response.ok && (marked === 'exact' || estimating)) {
    const headers: Record<string, string> = { 'content-type': result.response.headers.get('content-type') ?? 'application/json', [tokenCountHeader]: marked ?? 'estimate' }
    dependencies.countCache.set(keyId, entry.model.id, bodyText, { bodyText: await result.response.clone().text(), headers })
  }
  return result
}

type MeteredCall = {
  dependencies: RouteDependencies
  context: RequestContext
  request: Request
  entry: CatalogEntry
  operation: Operation
  body: ProxyBody
  upstreamBody: string
  admission: Admission
  pricings: Map<string, ExactPricing>
  plan: TranslationPlan | undefined
}

/** Hold the worst case within the key's spend window and credit, relay, then charge what the upstream reports. */
async function meteredRelay(call: MeteredCall) {
  const { dependencies, context, entry, operation, body, admission, plan } = call
  const dialect = dialects[operationDialect[operation]]
  const upstreamOperation = plan?.upstreamOperation ?? operation
  const upstreamDialect = dialects[operationDialect[upstreamOperation]]
  const apiKey = context.apiKey ?? fail('caller_unauthenticated', 'Missing API key.')
  let pricing = call.pricings.get(entry.model.id)
  if (pricing === undefined) call.pricings.set(entry.model.id, (pricing = exactPricing(entry.model.pricing)))
  const canonical = plan?.request ?? decodeCallerRequest(operation, body as Record<string, unknown>)
  const estimate = estimateInput(dependencies.tokenEstimator, canonical, estimateTarget(entry), call.upstreamBody)
  const inputEstimate = estimate.tokens
  const outputTokensMax = (plan === undefined ? outputLimitOf(operation, body) : plan.outputTokensMax) ?? entry.model.maxOutputTokens ?? dependencies.config.limits.defaultMaxOutputTokens
  let hold: Hold
  try {
    hold = await admission.reserveWithinSpend(reservationMicros(pricing, estimate.reservationTokens, outputTokensMax), () =>
      reserveCredit(dependencies.ledger, { accountId: apiKey.accountId, requestId: context.requestId, pricing, inputTokens: estimate.reservationTokens, outputTokensMax }),
    )
  } catch (error) {
    // Refused before dispatch (spend cap, credit): the request consumed no rate either.
    admission.withdraw()
    throw error
  }
  let upstreamBody = call.upstreamBody
  if (hold.lowered) upstreamBody = setTopLevelField(upstreamBody, plan?.outputLimitField ?? outputLimitField(operation, body), String(hold.outputTokensMax))
  // Chat streams carry usage only when asked: ask on the caller's behalf, and keep that extra chunk from it. (A
  // translated call's encoder always asks, and its stream encoder answers the caller's own wish.)
  const forceUsage = plan === undefined && operation === 'chat-completions' && body.stream === true && body.stream_options?.include_usage !== true
  if (forceUsage) upstreamBody = setTopLevelField(upstreamBody, 'stream_options', JSON.stringify({ ...body.stream_options, include_usage: true }))

  const record = (status: number, outcome: string, charge: Charge | undefined) =>
    usageRecord(
      {
        requestId: context.requestId,
        keyId: apiKey.id,
        accountId: apiKey.accountId,
        model: entry.model.id,
        provider: entry.provider.id,
        dialectIn: dialect.name,
        dialectOut: upstreamDialect.name,
        status,
        outcome,
        durationMs: dependencies.now() - context.startedMs,
      },
      charge,
    )
  const settle = (status: number, outcome: string, charge: Charge | undefined) => {
    const written =
      charge === undefined || (charge.costMicros === 0 && !charge.partial)
        ? dependencies.ledger.release(context.requestId, record(status, outcome, charge))
        : dependencies.ledger.settle(record(status, outcome, charge))
    written.catch((error: unknown) => dependencies.logger.error('ledger write failed', { request_id: context.requestId, error: String(error) }))
  }

  let result
  try {
    const translation = plan === undefined ? undefined : { callerDialect: dialect, translateWhole: plan.translateWhole, createTranslator: plan.createTranslator }
    result = await relayOnce(dependencies, context, call.request, entry, upstreamOperation, upstreamBody, translation, {
      hold,
      dropFrame: forceUsage ? (frame) => isUsageOnlyChunk(frame.data) : undefined,
      onWhole: (bodyText, status) => {
        const charge = chargeForWhole(upstreamDialect, pricing, bodyText, inputEstimate)
        settle(status, 'completed', charge)
        return { 'x-anvat-cost-usd': costHeader(charge.costMicros) }
      },
      onStreamEnd: async (outcome, reading, status) => {
        admission.release()
        const charge = chargeForStream(outcome, reading, pricing, inputEstimate, hold.reservedMicros)
        settle(status, outcome, charge)
        return `x-anvat-cost-usd=${costHeader(charge?.costMicros ?? 0)}`
      },
    })
  } catch (error) {
    const status = error instanceof GatewayFailure ? error.error.status : 500
    settle(status, 'failed', undefined)
    throw error
  }
  if (result.kind === 'upstream-error') settle(result.response.status, 'upstream-error', undefined)
  if (hold.lowered) result.response.headers.set('x-anvat-max-tokens-lowered', String(hold.outputTokensMax))
  return result
}

function findEntry(dependencies: RouteDependencies, model: string): CatalogEntry {
  return (
    dependencies.catalog.find(model) ??
    fail('caller_not_found', `The model '${model}' does not exist or is not available through this gateway.`, { param: 'model' })
  )
}

/** The translation for a model whose provider speaks another dialect, or a 400 naming both when there is none yet. */
function translationFor(
  dependencies: RouteDependencies,
  operation: Operation,
  entry: CatalogEntry,
  body: ProxyBody,
  bodyText: string,
  keyId: string,
  responses: ResponsesTranslationInput | undefined,
): TranslationPlan {
  const callerDialect = operationDialect[operation]
  const plan = planTranslation(operation, entry.provider.dialects, {
    body: body as Record<string, unknown>,
    model: body.model,
    upstreamModel: entry.upstreamModel,
    outputTokensMaxDefault: entry.model.maxOutputTokens ?? dependencies.config.limits.defaultMaxOutputTokens,
    estimateInputTokens: (canonical) => estimateInput(dependencies.tokenEstimator, canonical, estimateTarget(entry), bodyText).tokens,
    nowSeconds: Math.floor(dependencies.now() / 1000),
    keyId,
    thinkingVault: dependencies.thinkingVault,
    ...(responses === undefined ? {} : { responses }),
  })
  if (plan !== undefined) return plan
  const upstreamDialect = entry.provider.dialects[0] ?? callerDialect
  return fail(
    'caller_invalid_request',
    `The model '${body.model}' is served in the ${dialectTitles[upstreamDialect]} dialect; translation from ${dialectTitles[callerDialect]} is not yet supported for this endpoint.`,
    { param: 'model' },
  )
}

/** What the input estimate needs to know of the upstream: its model id, and whether it tokenizes with o200k. */
function estimateTarget(entry: CatalogEntry) {
  return { upstreamModel: entry.upstreamModel, o200k: !entry.provider.dialects.includes('anthropic') }
}

/** Warnings as one header value: codes and messages, bounded so a long list cannot bloat the response. */
function warningsHeader(warnings: Warning[]): string {
  return warnings
    .map((warning) => `${warning.code}: ${warning.message}`)
    .join('; ')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 2048)
}

type Metering = {
  hold: Hold
  dropFrame: ((frame: SseFrame) => boolean) | undefined
  onWhole: (bodyText: string, status: number) => Record<string, string>
  onStreamEnd: (outcome: StreamOutcome, reading: MeterReading, status: number) => Promise<string | undefined>
}

async function relayOnce(
  dependencies: RouteDependencies,
  context: RequestContext,
  request: Request,
  entry: CatalogEntry,
  operation: Operation,
  body: string,
  translation: Translation | undefined,
  metering: Metering | undefined,
) {
  const dialect = dialects[operationDialect[operation]]
  let status = 200
  let resolveStreamEnd: (outcome: string) => void = () => undefined
  const result = await relay({
    provider: entry.provider,
    operation,
    dialect,
    body,
    search: searchOf(request.url),
    headers: request.headers,
    signal: request.signal,
    requestId: context.requestId,
    limits: dependencies.config.limits,
    now: dependencies.now,
    scrub: dependencies.scrub,
    ...(translation === undefined ? {} : { translation }),
    ...(metering?.dropFrame === undefined ? {} : { dropFrame: metering.dropFrame }),
    onWhole: (bodyText) => metering?.onWhole(bodyText, status) ?? {},
    onStreamEnd: async (outcome, meter) => {
      const trailer = await metering?.onStreamEnd(outcome, meter.reading(), status)
      resolveStreamEnd(outcome)
      return trailer
    },
  })
  status = result.response.status
  if (result.kind === 'stream') context.streamEnded = new Promise((resolve) => (resolveStreamEnd = resolve))
  return result
}

/** The output limit the caller asked for, in its dialect's field. */
function outputLimitOf(operation: Operation, body: ProxyBody): number | undefined {
  if (operation === 'messages') return body.max_tokens ?? undefined
  if (operation === 'responses') return body.max_output_tokens ?? undefined
  return body.max_completion_tokens ?? body.max_tokens ?? undefined
}

/** Where to write a lowered output limit: the field the caller used, else the dialect's current one. */
function outputLimitField(operation: Operation, body: ProxyBody): string {
  if (operation === 'messages') return 'max_tokens'
  if (operation === 'responses') return 'max_output_tokens'
  return body.max_completion_tokens == null && body.max_tokens != null ? 'max_tokens' : 'max_completion_tokens'
}
