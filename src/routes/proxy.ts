import { operationDialect, type Operation } from '../core/dialect.ts'
import { fail } from '../core/error.ts'
import { dialects } from '../dialects/index.ts'
import { searchOf } from '../server/request-context.ts'
import { relay } from '../translate/relay.ts'
import { rewriteTopLevelModel } from '../translate/rewrite-model.ts'
import type { RouteDependencies } from './dependencies.ts'

const dialectTitles = {
  anthropic: 'Anthropic Messages',
  'openai-chat': 'OpenAI Chat Completions',
  'openai-responses': 'OpenAI Responses',
} as const

/**
 * The handler shared by every model-calling route: find the model, and when its provider speaks the caller's dialect,
 * relay the caller's own bytes with only `model` changed. The body has been validated against the route's schema.
 */
export function proxyHandler(operation: Operation, dependencies: RouteDependencies) {
  const dialect = dialects[operationDialect[operation]]
  return async ({ request, body }: { request: Request; body: { model: string } }): Promise<Response> => {
    const context = dependencies.contexts.get(request)
    context.model = body.model
    const entry = dependencies.catalog.find(body.model)
    if (entry === undefined) {
      return fail('caller_not_found', `The model '${body.model}' does not exist or is not available through this gateway.`, { param: 'model' })
    }
    if (!entry.provider.dialects.includes(dialect.name)) {
      const upstreamDialect = entry.provider.dialects[0] ?? dialect.name
      return fail(
        'caller_invalid_request',
        `The model '${body.model}' is served in the ${dialectTitles[upstreamDialect]} dialect; translation from ${dialectTitles[dialect.name]} is not yet supported.`,
        { param: 'model' },
      )
    }
    const bodyText = context.bodyText ?? JSON.stringify(body)
    const upstreamBody = entry.upstreamModel === body.model ? bodyText : rewriteTopLevelModel(bodyText, entry.upstreamModel)
    let resolveStreamEnd: (outcome: string) => void = () => undefined
    const response = await relay({
      provider: entry.provider,
      operation,
      dialect,
      body: upstreamBody,
      search: searchOf(request.url),
      headers: request.headers,
      signal: request.signal,
      requestId: context.requestId,
      limits: dependencies.config.limits,
      now: dependencies.now,
      scrub: dependencies.scrub,
      onStreamEnd: (outcome) => resolveStreamEnd(outcome),
    })
    if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
      context.streamEnded = new Promise((resolve) => (resolveStreamEnd = resolve))
    }
    return response
  }
}
