import { randomBase62 } from '../core/ids.ts'

/** Every Anvat key starts with this, so scanners and people can tell it from a vendor key. */
export const apiKeyPrefix = 'anv_'
/** 40 base62 characters: about 238 bits of entropy. */
const apiKeyRandomLength = 40
/** How much of a key is kept in clear to recognise it in a list: `anv_` and eight characters. */
export const visiblePrefixLength = 12

/** A fresh key, shown once to its owner and never stored. */
export function generateApiKey(): string {
  return apiKeyPrefix + randomBase62(apiKeyRandomLength)
}

/**
 * SHA-256 of the key, hex. Keys are long random strings, so a fast hash is enough: there is nothing to guess, and
 * the lookup runs on every request.
 */
export function hashApiKey(key: string): string {
  return new Bun.CryptoHasher('sha256').update(key).digest('hex')
}

/** The part of a key safe to display. */
export function visiblePrefix(key: string): string {
  return key.slice(0, visiblePrefixLength)
}
