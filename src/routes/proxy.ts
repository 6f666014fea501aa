import { planFor } from '../config/load.ts'
import type { Warning } from '../core/canonical.ts'
import type { Operation } from '../core/dialect.ts'
import { fail } from '../core/error.ts'
import { dialects } from '../dialects/index.ts'
import type { ExactPricing } from '../ledger/pricing.ts'
import type { CatalogEntry } from '../providers/registry.ts'
import { searchOf, type RequestContext } from '../server/request-context.ts'
import { relay, type RelayResult } from '../translate/relay.ts'
import { fallbackCandidates, primaryCandidate, type Candidate, type ProxyBody } from './candidates.ts'
import { estimatedCount, exactOrEstimated, tokenCountHeader } from './count-tokens.ts'
import type { RouteDependencies } from './dependencies.ts'
import { dispatch } from './dispatch.ts'
import { admitRequest, effectiveLimits } from './limits-guard.ts'
import { dispatchDependencies, meteredRelay } from './metered-call.ts'

/**
 * The handler shared by every model-calling route: find the model (and its fallbacks), hold the worst-case cost,
 * dispatch the caller's own bytes (only `model`, and an output limit the credit cannot cover, changed) with retries
 * and fallbacks, relay the answer, then charge what the upstream reports and release the rest. count_tokens is free
 * and skips the money; for a model that does not speak Anthropic it is estimated without calling the upstream.
 */
export function proxyHandler(operation: Operation, dependencies: RouteDependencies) {
  const pricings = new Map<string, ExactPricing>()
  return async ({ request, body }: { request: Request; body: ProxyBody }): Promise<Response> => {
    const context = dependencies.contexts.get(request)
    context.model = body.model
    const apiKey = context.apiKey ?? fail('caller_unauthenticated', 'Missing API key.')
    const entry = findEntry(dependencies, body.model)
    const bodyText = context.bodyText ?? JSON.stringify(body)
    // count_tokens for a model that does not speak Anthropic is estimated here: nothing is translated or sent.
    const estimating = operation === 'count-tokens' && !entry.provider.dialects.includes('anthropic')
    const plan = planFor(dependencies.config, apiKey.planId)
    const candidateRequest = { dependencies, operation, body, bodyText, keyId: apiKey.id, discount: plan?.discount ?? 0, pricings }
    const primary = estimating ? undefined : await primaryCandidate(candidateRequest, entry)
    const limits = effectiveLimits(apiKey, plan)
    const admission = admitRequest(dependencies, apiKey, limits)
    let streaming = false
    try {
      let served: Candidate | undefined = primary
      let result: RelayResult
      let limitHeaders: Record<string, string> | undefined
      if (operation === 'count-tokens') {
        result = await countTokens(dependencies, context, entry, body, bodyText, estimating, () => exactCount(dependencies, context, request, primary!))
      } else {
        const candidates = [primary!, ...(await fallbackCandidates(candidateRequest, entry))]
        const metered = await meteredRelay({ dependencies, context, request, operation, body, candidates, admission })
        result = metered
        served = metered.served
        limitHeaders = metered.limitHeaders
      }
      streaming = result.kind === 'stream'
      for (const [name, value] of Object.entries(limitHeaders ?? admission.headers())) result.response.headers.set(name, value)
      const warnings = served?.plan?.warnings ?? []
      if (warnings.length > 0) result.response.headers.set('x-anvat-warnings', warningsHeader(warnings))
      return result.response
    } finally {
      // A stream hands its slot back when it ends (see meteredRelay); everything else, here, whatever happened.
      if (!streaming) admission.release()
    }
  }
}

/**
 * The upstream's own count, one attempt (its estimate stands in when that fails). Nothing is billed, so nothing is
 * metered.
 */
async function exactCount(dependencies: RouteDependencies, context: RequestContext, request: Request, candidate: Candidate): Promise<RelayResult> {
  const dispatched = await dispatch(
    [{ provider: candidate.entry.provider, operation: candidate.upstreamOperation, body: candidate.body, streaming: false }],
    { requestId: context.requestId, search: searchOf(request.url), headers: request.headers, signal: request.signal, progress: { attempts: 0 } },
    dispatchDependencies(dependencies, context.requestId, 1),
  )
  return relay(dispatched, {
    provider: candidate.entry.provider,
    dialect: dialects.anthropic,
    requestId: context.requestId,
    limits: dependencies.config.limits,
    now: dependencies.now,
    scrub: dependencies.scrub,
    onWhole: () => ({}),
    onStreamEnd: async () => undefined,
  })
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

function findEntry(dependencies: RouteDependencies, model: string): CatalogEntry {
  return (
    dependencies.catalog.find(model) ??
    fail('caller_not_found', `The model '${model}' does not exist or is not available through this gateway.`, { param: 'model' })
  )
}

/** Warnings as one header value: codes and messages, bounded so a long list cannot bloat the response. */
function warningsHeader(warnings: Warning[]): string {
  return warnings
    .map((warning) => `${warning.code}: ${warning.message}`)
    .join('; ')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 2048)
}

