/**
 * The one closed vocabulary of failures, grouped by whose fault they are. Dialects turn a GatewayError into their own
 * envelope at the edge (server/error-handler.ts and the stream encoders); nothing else builds error bodies.
 */
export type GatewayErrorCode =
  | 'caller_invalid_request'
  | 'caller_request_too_large'
  | 'caller_unauthenticated'
  | 'caller_forbidden'
  | 'caller_not_found'
  | 'caller_unknown_route'
  | 'policy_rate_limited'
  | 'policy_insufficient_credit'
  | 'policy_model_not_allowed'
  | 'provider_rate_limited'
  | 'provider_overloaded'
  | 'provider_timeout'
  | 'provider_error'
  | 'provider_unreachable'
  | 'gateway_internal'

/** A failure as data: what the caller is told, plus the upstream's own answer when one failed. */
export type GatewayError = {
  code: GatewayErrorCode
  message: string
  /** HTTP status in the neutral sense; a dialect may render some (overloaded) differently. */
  status: number
  /** The request field at fault, for OpenAI's `param`. */
  param?: string
  /** A narrower machine-readable reason than the code (`previous_response_not_found`), for dialects that carry one. */
  reason?: string
  retryAfterMs?: number
  /** Extra response headers that explain the refusal (remaining limits). */
  headers?: Record<string, string>
  upstream?: { provider: string; status: number; body: string }
  /** Which of the key's limits refused the request, for metrics; never rendered to the caller. */
  limit?: 'rpm' | 'concurrency' | 'window_spend' | 'credit'
}

const defaultStatus: Record<GatewayErrorCode, number> = {
  caller_invalid_request: 400,
  caller_request_too_large: 413,
  caller_unauthenticated: 401,
  caller_forbidden: 403,
  caller_not_found: 404,
  caller_unknown_route: 404,
  policy_rate_limited: 429,
  policy_insufficient_credit: 402,
  policy_model_not_allowed: 403,
  provider_rate_limited: 429,
  provider_overloaded: 529,
  provider_timeout: 504,
  provider_error: 502,
  provider_unreachable: 502,
  gateway_internal: 500,
}

/** The only class Anvat throws: an Error carrying a GatewayError. */
export class GatewayFailure extends Error {
  readonly error: GatewayError
  constructor(error: GatewayError) {
    super(error.message)
    this.name = 'GatewayFailure'
    this.error = error
  }
}

/** Builds a GatewayError with the code's default status unless one is given. */
export function gatewayError(
  code: GatewayErrorCode,
  message: string,
  extra: Partial<Omit<GatewayError, 'code' | 'message'>> = {},
): GatewayError {
  return { code, message, status: extra.status ?? defaultStatus[code], ...extra }
}

/** Shorthand for `throw new GatewayFailure(gatewayError(…))`. */
export function fail(
  code: GatewayErrorCode,
  message: string,
  extra: Partial<Omit<GatewayError, 'code' | 'message'>> = {},
): never {
  throw new GatewayFailure(gatewayError(code, message, extra))
}

/**
 * Classifies an upstream's non-2xx answer by status first: providers' error strings often contradict their codes.
 * 401/403 mean the gateway's own provider credential was refused, which is never the caller's fault.
 */
export function classifyUpstreamStatus(status: number): GatewayErrorCode {
  if (status === 401 || status === 403) return 'provider_error'
  if (status === 429) return 'provider_rate_limited'
  if (status === 503 || status === 529) return 'provider_overloaded'
  if (status === 504 || status === 408) return 'provider_timeout'
  if (status >= 500) return 'provider_error'
  if (status === 404) return 'caller_not_found'
  if (status === 413) return 'caller_request_too_large'
  return 'caller_invalid_request'
}
