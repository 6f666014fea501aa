import { Elysia } from 'elysia'
import { AnthropicMessageCountTokensParams, AnthropicMessageCreateParams } from '../dialects/anthropic/schema.ts'
import type { RouteDependencies } from './dependencies.ts'
import { proxyHandler } from './proxy.ts'

/** Anthropic Messages and its token counter (Claude Code adds `?beta=true`; routing goes by path alone). */
export function messagesRoutes(dependencies: RouteDependencies) {
  return new Elysia({ name: 'messages', normalize: false })
    .post('/v1/messages', proxyHandler('messages', dependencies), {
      body: AnthropicMessageCreateParams,
      detail: { operationId: 'createMessage', tags: ['Anthropic'], summary: 'Create a message' },
    })
    .post('/v1/messages/count_tokens', proxyHandler('count-tokens', dependencies), {
      body: AnthropicMessageCountTokensParams,
      detail: { operationId: 'countMessageTokens', tags: ['Anthropic'], summary: 'Count tokens in a message' },
    })
}
