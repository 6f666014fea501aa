import type { GatewayError, GatewayErrorCode } from '../../core/error.ts'

/** OpenAI's error body: all four keys always present, `param` and `code` nullable. */
export type OpenAIErrorResponse = {
  error: { message: string; type: string; param: string | null; code: string | null }
}

const codeByErrorCode: Partial<Record<GatewayErrorCode, string>> = {
  caller_unauthenticated: 'invalid_api_key',
  caller_invalid_request: 'invalid_request_error',
  caller_request_too_large: 'request_too_large',
  caller_not_found: 'model_not_found',
  caller_unknown_route: 'unknown_url',
  policy_insufficient_credit: 'insufficient_quota',
  policy_rate_limited: 'rate_limit_exceeded',
  provider_rate_limited: 'rate_limit_exceeded',
  policy_model_not_allowed: 'model_not_allowed',
}

/**
 * OpenAI error `type` by status: `invalid_request_error` for 4xx, `insufficient_quota` for 402, `server_error` for
 * 5xx; `code` carries the detail. Overload is 503, OpenAI's own overload status.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export function encodeError(error: GatewayError, _requestId: string): { status: number; body: OpenAIErrorResponse } {
  const status = error.code === 'provider_overloaded' ? 503 : error.status
  const type = status === 402 ? 'insufficient_quota' : status >= 500 ? 'server_error' : 'invalid_request_error'
  const code = error.reason ?? codeByErrorCode[error.code] ?? (status >= 500 ? 'server_error' : null)
  return { status, body: { error: { message: error.message, type, param: error.param ?? null, code } } }
}
