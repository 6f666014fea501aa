import type { Operation } from '../core/dialect.ts'
import { fail } from '../core/error.ts'
import type { Provider } from '../core/provider.ts'
import type { ResolvedHttpProviderConfig } from '../config/schema.ts'
import { forwardHeaders, poolKey, trimBaseUrl } from './forward-headers.ts'

const paths: Partial<Record<Operation, string>> = {
  'chat-completions': '/chat/completions',
  responses: '/responses',
}

/**
 * An OpenAI (or OpenAI-compatible) upstream speaking Chat Completions and Responses, authenticated with a Bearer
 * token. `OpenAI-Organization` and `OpenAI-Project` describe the caller's own account, so they are not forwarded.
 * The gateway's request id goes along as `X-Client-Request-Id`, which OpenAI records beside its own.
 * @see https://platform.openai.com/docs/api-reference
 */
export function createOpenAIProvider(config: ResolvedHttpProviderConfig, fetchUpstream: typeof fetch): Provider {
  const baseUrl = trimBaseUrl(config.baseUrl)
  return {
    origin: new URL(baseUrl).origin,
    id: config.id,
    dialects: ['openai-chat', 'openai-responses'],
    keyCount: config.apiKeys.length,
    timeouts: config.timeouts,
    secrets: [...config.apiKeys],
    send: (call) => {
      const path = paths[call.operation]
      if (path === undefined) return fail('gateway_internal', `Provider ${config.id} cannot perform ${call.operation}.`)
      const headers = forwardHeaders(call.headers, keepHeader, {
        authorization: `Bearer ${poolKey(config.apiKeys, call.keyIndex, config.id)}`,
        'content-type': 'application/json',
        // OpenAI logs this with its own request id, so one id traces a request through both.
        'x-client-request-id': call.requestId,
      })
      return fetchUpstream(`${baseUrl}${path}`, { method: 'POST', headers, body: call.body, signal: call.signal })
    },
  }
}

function keepHeader(name: string): boolean {
  return name === 'accept' || name === 'user-agent' || name === 'openai-beta'
}
