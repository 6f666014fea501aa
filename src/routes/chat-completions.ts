import { Elysia } from 'elysia'
import { OpenAIChatCompletionCreateParams } from '../dialects/openai-chat/schema.ts'
import type { RouteDependencies } from './dependencies.ts'
import { proxyHandler } from './proxy.ts'

/** OpenAI Chat Completions. */
export function chatCompletionsRoutes(dependencies: RouteDependencies) {
  return new Elysia({ name: 'chat-completions', normalize: false }).post('/v1/chat/completions', proxyHandler('chat-completions', dependencies), {
    body: OpenAIChatCompletionCreateParams,
    detail: { operationId: 'createChatCompletion', tags: ['OpenAI'], summary: 'Create a chat completion' },
  })
}
