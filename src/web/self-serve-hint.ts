import type { Config } from '../config/schema.ts'
import type { GatewayError } from '../core/error.ts'
import { baseUrlOf } from './dependencies.ts'

/**
 * What an API caller refused for its key or its credit can do about it, on this gateway: a bad or revoked key points
 * to /app/keys, a 402 to /app/billing. Added to the message in the caller's own dialect; other errors are unchanged.
 */
export function withSelfServeHint(error: GatewayError, config: Config, requestUrl: string): GatewayError {
  const baseUrl = baseUrlOf({ config }, { url: requestUrl })
  if (error.code === 'caller_unauthenticated') return { ...error, message: `${error.message} Create or regenerate a key at ${baseUrl}/app/keys.` }
  if (error.code === 'policy_insufficient_credit') {
    const bonus = config.packs.some((pack) => pack.creditUsd > pack.priceUsd) ? ': prepaid packs add more credit than they cost' : ''
    return { ...error, message: `${error.message} Top up at ${baseUrl}/app/billing${bonus}.` }
  }
  return error
}
