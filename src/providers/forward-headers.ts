import { fail } from '../core/error.ts'

/**
 * Builds an upstream request's headers from scratch: the provider's own credential, JSON content, and only the
 * caller headers that `keep` accepts. Starting empty is what guarantees the caller's gateway key never travels on.
 */
export function forwardHeaders(caller: Headers, keep: (name: string) => boolean, own: Record<string, string>): Headers {
  const headers = new Headers()
  caller.forEach((value, name) => {
    if (keep(name)) headers.set(name, value)
  })
  for (const [name, value] of Object.entries(own)) headers.set(name, value)
  return headers
}

/** Strips trailing slashes so `${baseUrl}/path` never doubles one. */
export function trimBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '')
}

/** The pool key an upstream call asked for; an index outside the pool is the gateway's own bug, never the caller's. */
export function poolKey(apiKeys: readonly string[], keyIndex: number, providerId: string): string {
  const key = apiKeys[keyIndex]
  if (key === undefined) return fail('gateway_internal', `Provider ${providerId} has no key ${keyIndex} (it has ${apiKeys.length}).`)
  return key
}
