import { timingSafeEqual } from 'node:crypto'
import { fail } from '../core/error.ts'
import { hashApiKey } from '../ledger/api-key.ts'
import type { ApiKeyRecord } from '../ledger/keys.ts'
import type { BoundedCache } from '../core/bounded-cache.ts'

/** How the server finds a key: by the SHA-256 of what the caller presented. */
export type KeyLookup = (keyHash: string) => ApiKeyRecord | undefined | Promise<ApiKeyRecord | undefined>

/** Longest credential accepted before hashing; real keys are 44 characters. */
const presentedKeyLengthMax = 512

/**
 * The key a request presents: `x-api-key` (Anthropic SDKs, Claude Code's ANTHROPIC_API_KEY) wins over
 * `Authorization: Bearer` (OpenAI SDKs, ANTHROPIC_AUTH_TOKEN) when both are sent.
 */
export function presentedKey(headers: Headers): string | undefined {
  const apiKey = headers.get('x-api-key')?.trim()
  if (apiKey) return apiKey
  const authorization = headers.get('authorization')?.trim()
  if (authorization === undefined) return undefined
  const match = /^bearer\s+(.+)$/i.exec(authorization)
  return match?.[1]?.trim() || undefined
}

/** Authenticates a request's headers, caching lookups (misses too, so random keys cannot hammer the database). */
export function createAuthenticator(lookup: KeyLookup, cache: BoundedCache<ApiKeyRecord | null>) {
  return async (headers: Headers): Promise<ApiKeyRecord> => {
    const key = presentedKey(headers)
    if (key === undefined) {
      return fail('caller_unauthenticated', 'Missing API key: send it as "x-api-key: <key>" or "Authorization: Bearer <key>".')
    }
    if (key.length > presentedKeyLengthMax) return fail('caller_unauthenticated', 'Invalid API key.')
    const keyHash = hashApiKey(key)
    const cached = cache.get(keyHash)
    let record: ApiKeyRecord | null
    if (cached !== undefined) record = cached.value
    else {
      record = (await lookup(keyHash)) ?? null
      cache.set(keyHash, record)
    }
    if (record === null) return fail('caller_unauthenticated', 'Invalid API key.')
    if (record.revokedAtMs !== null) return fail('caller_unauthenticated', 'This API key has been revoked.')
    return record
  }
}

/**
 * Compares a presented secret (the admin or metrics token, a form's CSRF token) with the expected one in constant
 * time, both hashed first to equal length. Nothing matches an absent or empty secret.
 */
export function secretMatches(presented: string | undefined, expected: string | undefined): boolean {
  if (presented === undefined || expected === undefined || presented === '' || expected === '') return false
  const left = new Bun.CryptoHasher('sha256').update(presented).digest()
  const right = new Bun.CryptoHasher('sha256').update(expected).digest()
  return timingSafeEqual(left, right)
}
