/**
 * What the overhead benchmark sends, and where: the routes (a caller's dialect and the upstream's, streamed or not)
 * and, for each target (the mock directly, the plain proxy, the gateway, the peer), the request that route becomes.
 */
import type { LoadRequest } from './load.ts'

export type UpstreamDialect = 'openai-chat' | 'anthropic'
/** The elysia-* targets are the framework's floor (elysia-proxy.ts), measured on same-dialect whole answers. */
export type TargetName = 'direct' | 'plain-proxy' | 'elysia-forward' | 'elysia-metered' | 'anvat' | 'portkey'

export type Route = {
  name: string
  caller: UpstreamDialect
  upstream: UpstreamDialect
  stream: boolean
}

export const routes: Route[] = [
  { name: 'chat → openai', caller: 'openai-chat', upstream: 'openai-chat', stream: false },
  { name: 'chat → openai, stream', caller: 'openai-chat', upstream: 'openai-chat', stream: true },
  { name: 'messages → anthropic', caller: 'anthropic', upstream: 'anthropic', stream: false },
  { name: 'messages → anthropic, stream', caller: 'anthropic', upstream: 'anthropic', stream: true },
  { name: 'chat → anthropic', caller: 'openai-chat', upstream: 'anthropic', stream: false },
  { name: 'chat → anthropic, stream', caller: 'openai-chat', upstream: 'anthropic', stream: true },
  { name: 'messages → openai', caller: 'anthropic', upstream: 'openai-chat', stream: false },
  { name: 'messages → openai, stream', caller: 'anthropic', upstream: 'openai-chat', stream: true },
]

const prompt = 'Write one short sentence about the sea.'
/** What the bench's clients present to the mock (and the peer passes on); the mock checks no key. */
const upstreamKey = 'sk-bench-upstream-not-a-real-key'
const maxTokens = 256

export function requestBody(dialect: UpstreamDialect, model: string, stream: boolean): string {
  if (dialect === 'anthropic') return JSON.stringify({ model, max_tokens: maxTokens, messages: [{ role: 'user', content: prompt }], ...(stream ? { stream: true } : {}) })
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: prompt }],
    max_completion_tokens: maxTokens,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  })
}

export const upstreamPath = (dialect: UpstreamDialect) => (dialect === 'anthropic' ? '/v1/messages' : '/v1/chat/completions')

/** The headers a real client of that dialect sends with `key`. */
export function dialectHeaders(dialect: UpstreamDialect, key: string): Record<string, string> {
  return dialect === 'anthropic'
    ? { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' }
    : { 'content-type': 'application/json', authorization: `Bearer ${key}` }
}

/** Model ids the gateway's bench config serves, by upstream dialect and pace. */
export const gatewayModels = {
  'openai-chat': { fast: 'gpt-bench', paced: 'gpt-bench-paced', long: 'gpt-bench-long' },
  anthropic: { fast: 'claude-bench', paced: 'claude-bench-paced', long: 'claude-bench-long' },
} as const

export const upstreamModels = { 'openai-chat': 'gpt-bench-mock', anthropic: 'claude-bench-mock' } as const

/** A request straight to an upstream (the mock, or the plain proxy in front of it): always in the upstream's dialect. */
export function upstreamRequest(baseUrl: string, route: Route): LoadRequest {
  return {
    url: `${baseUrl}${upstreamPath(route.upstream)}`,
    headers: dialectHeaders(route.upstream, upstreamKey),
    body: requestBody(route.upstream, upstreamModels[route.upstream], route.stream),
  }
}

/** A request to the gateway: in the caller's dialect, for the model whose upstream speaks the route's. */
export function gatewayRequest(baseUrl: string, route: Route, key: string, pace: 'fast' | 'paced' | 'long' = 'fast'): LoadRequest {
  return {
    url: `${baseUrl}${upstreamPath(route.caller)}`,
    headers: dialectHeaders(route.caller, key),
    body: requestBody(route.caller, gatewayModels[route.upstream][pace], route.stream),
  }
}

/**
 * A request to Portkey's gateway, routed by its headers to the mock: `x-portkey-provider` names the upstream's API
 * and `x-portkey-custom-host` its base URL. Portkey serves OpenAI-shaped callers (`/v1/chat/completions`, translated
 * for Anthropic upstreams) and Anthropic-shaped callers on `/v1/messages` for Anthropic upstreams only, so it has no
 * `messages → openai` route.
 */
export function portkeyRequest(baseUrl: string, route: Route, upstreamBaseUrl: string): LoadRequest | undefined {
  if (route.caller === 'anthropic' && route.upstream !== 'anthropic') return undefined
  return {
    url: `${baseUrl}${upstreamPath(route.caller)}`,
    // The caller's own headers, and the upstream dialect's auth as well: Portkey forwards the key it finds.
    headers: {
      ...dialectHeaders(route.upstream, upstreamKey),
      ...dialectHeaders(route.caller, upstreamKey),
      'x-portkey-provider': route.upstream === 'anthropic' ? 'anthropic' : 'openai',
      'x-portkey-custom-host': `${upstreamBaseUrl}/v1`,
    },
    body: requestBody(route.caller, upstreamModels[route.upstream], route.stream),
  }
}
