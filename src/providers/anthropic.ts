import type { Operation } from '../core/dialect.ts'
import { fail } from '../core/error.ts'
import type { Provider } from '../core/provider.ts'
import type { ResolvedHttpProviderConfig } from '../config/schema.ts'
import { forwardHeaders, poolKey, trimBaseUrl } from './forward-headers.ts'

const paths: Partial<Record<Operation, string>> = {
  messages: '/v1/messages',
  'count-tokens': '/v1/messages/count_tokens',
}

/** The version every Anthropic SDK sends; added when a caller left it out. */
export const anthropicVersion = '2023-06-01'

/**
 * An Anthropic Messages upstream. Forwards every `anthropic-*` header (version, joined betas, and whatever the API
 * adds next) and the query string (`?beta=true`), and authenticates with `x-api-key`.
 * @see https://docs.anthropic.com/en/api/messages
 */
export function createAnthropicProvider(config: ResolvedHttpProviderConfig, fetchUpstream: typeof fetch): Provider {
  const baseUrl = trimBaseUrl(config.baseUrl)
  return {
    origin: new URL(baseUrl).origin,
    id: config.id,
    dialects: ['anthropic'],
    keyCount: config.apiKeys.length,
    timeouts: config.timeouts,
    secrets: [...config.apiKeys],
    send: (call) => {
      const path = paths[call.operation]
      if (path === undefined) return fail('gateway_internal', `Provider ${config.id} cannot perform ${call.operation}.`)
      const headers = forwardHeaders(call.headers, keepHeader, {
        'x-api-key': poolKey(config.apiKeys, call.keyIndex, config.id),
        'content-type': 'application/json',
      })
      if (!headers.has('anthropic-version')) headers.set('anthropic-version', anthropicVersion)
      return fetchUpstream(`${baseUrl}${path}${call.search}`, { method: 'POST', headers, body: call.body, signal: call.signal })
    },
  }
}

function keepHeader(name: string): boolean {
  return name.startsWith('anthropic-') || name === 'accept' || name === 'user-agent'
}
