import { Elysia } from 'elysia'
import { OpenAIResponseCreateParams } from '../dialects/openai-responses/schema.ts'
import type { RouteDependencies } from './dependencies.ts'
import { proxyHandler } from './proxy.ts'

/** OpenAI Responses. */
export function responsesRoutes(dependencies: RouteDependencies) {
  return new Elysia({ name: 'responses', normalize: false }).post('/v1/responses', proxyHandler('responses', dependencies), {
    body: OpenAIResponseCreateParams,
    detail: { operationId: 'createResponse', tags: ['OpenAI'], summary: 'Create a model response' },
  })
}
