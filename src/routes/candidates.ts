import { operationDialect, type Operation } from '../core/dialect.ts'
import { fail, GatewayFailure } from '../core/error.ts'
import { stripGatewayThinking } from '../dialects/anthropic/gateway-signature.ts'
import { discountedPricing, exactPricing, type ExactPricing } from '../ledger/pricing.ts'
import type { CatalogEntry } from '../providers/registry.ts'
import { rewriteTopLevelModel } from '../translate/rewrite-body.ts'
import type { RouteDependencies } from './dependencies.ts'
import { decodeCallerRequest, estimateInput, type InputEstimate } from './input-estimate.ts'
import { expandInput } from './response-state.ts'
import { planTranslation, type TranslationPlan } from './translation.ts'
import type { ResponsesTranslationInput } from './translation-responses.ts'

/*
 * The ways one request can be served: the model the caller named, then its configured fallbacks (any provider, any
 * dialect), each with the body its upstream takes, its price and its input estimate. All are planned before the hold
 * is taken, so the hold covers whichever ends up answering.
 */

const dialectTitles = {
  anthropic: 'Anthropic Messages',
  'openai-chat': 'OpenAI Chat Completions',
  'openai-responses': 'OpenAI Responses',
} as const

/** The body fields the gateway reads: the model, the output limit and whether (and how) to stream. */
export type ProxyBody = {
  model: string
  stream?: boolean | null
  max_tokens?: number | null
  max_completion_tokens?: number | null
  max_output_tokens?: number | null
  stream_options?: Record<string, unknown> | null
}

export type Candidate = {
  entry: CatalogEntry
  /** The translation, when the provider does not speak the caller's dialect. */
  plan: TranslationPlan | undefined
  upstreamOperation: Operation
  /** The body for the upstream, before any lowering of its output limit. */
  body: string
  pricing: ExactPricing
  estimate: InputEstimate
  outputTokensMax: number
  /** Where to write a lowered output limit. */
  outputLimitField: string
}

export type CandidateRequest = {
  dependencies: RouteDependencies
  operation: Operation
  body: ProxyBody
  bodyText: string
  keyId: string
  /** The key's plan's discount off metered cost (0 when none). */
  discount: number
  /** Prices by model and discount, converted once per handler. */
  pricings: Map<string, ExactPricing>
}

/** The requested model's candidate; its planning errors (an untranslatable field) are the caller's. */
export async function primaryCandidate(request: CandidateRequest, entry: CatalogEntry): Promise<Candidate> {
  return candidateFor(request, entry)
}

/**
 * The fallbacks' candidates, in configured order. A fallback that cannot take this request (a field its dialect
 * cannot carry) is left out rather than failing a request the requested model could still serve.
 */
export async function fallbackCandidates(request: CandidateRequest, entry: CatalogEntry): Promise<Candidate[]> {
  const candidates: Candidate[] = []
  for (const modelId of entry.model.fallbacks ?? []) {
    const fallback = request.dependencies.catalog.find(modelId)
    if (fallback === undefined) continue
    try {
      candidates.push(await candidateFor(request, fallback))
    } catch (error) {
      if (!(error instanceof GatewayFailure)) throw error
      request.dependencies.logger.info('fallback skipped', { model: entry.model.id, fallback: modelId, reason: error.error.message })
    }
  }
  return candidates
}

async function candidateFor(request: CandidateRequest, entry: CatalogEntry): Promise<Candidate> {
  const { dependencies, operation, body, bodyText } = request
  const callerDialect = operationDialect[operation]
  const sameDialect = entry.provider.dialects.includes(callerDialect)
  let plan: TranslationPlan | undefined
  let planEstimate: InputEstimate | undefined
  let upstreamBody = bodyText
  if (sameDialect) {
    if (entry.upstreamModel !== body.model) upstreamBody = rewriteTopLevelModel(upstreamBody, entry.upstreamModel)
    if (callerDialect === 'anthropic') upstreamBody = stripGatewayThinking(upstreamBody)
  } else {
    // A Responses chain for a translated model is expanded from the gateway's own store first.
    const responses =
      operation === 'responses'
        ? { expandedInput: await expandInput(body as Record<string, unknown>, request.keyId, dependencies.responseState), responseState: dependencies.responseState }
        : undefined
    const translated = translationFor(request, entry, responses)
    plan = translated.plan
    planEstimate = translated.estimate
    upstreamBody = plan.body
  }
  const pricingKey = request.discount > 0 ? `${entry.model.id}\u0000${request.discount}` : entry.model.id
  let pricing = request.pricings.get(pricingKey)
  if (pricing === undefined) request.pricings.set(pricingKey, (pricing = discountedPricing(exactPricing(entry.model.pricing), request.discount)))
  // A translation that put an estimate in its stream's first event made it already: the same request is not counted twice.
  const estimate =
    planEstimate ?? estimateInput(dependencies.tokenEstimator, plan?.request ?? decodeCallerRequest(operation, body as Record<string, unknown>), estimateTarget(entry), upstreamBody)
  const asked = plan === undefined ? outputLimitOf(operation, body) : plan.outputTokensMax
  return {
    entry,
    plan,
    upstreamOperation: plan?.upstreamOperation ?? operation,
    body: upstreamBody,
    pricing,
    estimate,
    outputTokensMax: asked ?? entry.model.maxOutputTokens ?? dependencies.config.limits.defaultMaxOutputTokens,
    outputLimitField: plan?.outputLimitField ?? outputLimitField(operation, body),
  }
}

/** The translation for a model whose provider speaks another dialect, or a 400 naming both when there is none. */
function translationFor(
  request: CandidateRequest,
  entry: CatalogEntry,
  responses: ResponsesTranslationInput | undefined,
): { plan: TranslationPlan; estimate: InputEstimate | undefined } {
  const { dependencies, operation, body, bodyText } = request
  const callerDialect = operationDialect[operation]
  let estimate: InputEstimate | undefined
  const plan = planTranslation(operation, entry.provider.dialects, {
    body: body as Record<string, unknown>,
    model: body.model,
    upstreamModel: entry.upstreamModel,
    outputTokensMaxDefault: entry.model.maxOutputTokens ?? dependencies.config.limits.defaultMaxOutputTokens,
    estimateInputTokens: (canonical) => (estimate = estimateInput(dependencies.tokenEstimator, canonical, estimateTarget(entry), bodyText)).tokens,
    nowSeconds: Math.floor(dependencies.now() / 1000),
    keyId: request.keyId,
    thinkingVault: dependencies.thinkingVault,
    ...(responses === undefined ? {} : { responses }),
  })
  if (plan !== undefined) return { plan, estimate }
  const upstreamDialect = entry.provider.dialects[0] ?? callerDialect
  return fail(
    'caller_invalid_request',
    `The model '${body.model}' is served in the ${dialectTitles[upstreamDialect]} dialect; translation from ${dialectTitles[callerDialect]} is not yet supported for this endpoint.`,
    { param: 'model' },
  )
}

/** What the input estimate needs to know of the upstream: its model id, and whether it tokenizes with o200k. */
export function estimateTarget(entry: CatalogEntry) {
  return { upstreamModel: entry.upstreamModel, o200k: !entry.provider.dialects.includes('anthropic') }
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
