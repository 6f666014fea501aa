import type { GatewayError } from '../../core/error.ts'

/** Anthropic's error body: `{type:"error", error:{type, message}, request_id}`. */
export type AnthropicErrorResponse = {
  type: 'error'
  error: { type: string; message: string }
  request_id: string
}

/**
 * Anthropic error types by HTTP status.
 * @see https://docs.anthropic.com/en/api/errors
 */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error'
    case 402:
      return 'billing_error'
    case 403:
      return 'permission_error'
    case 404:
      return 'not_found_error'
    case 413:
      return 'request_too_large'
    case 429:
      return 'rate_limit_error'
    case 504:
      return 'timeout_error'
    case 529:
      return 'overloaded_error'
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error'
  }
}

/** The status each Anthropic error type stands for (the inverse of `anthropicErrorType`); undefined for unknown types. */
export function anthropicErrorStatus(type: string): number | undefined {
  return statusByErrorType.get(type)
}

const statusByErrorType = new Map([400, 401, 402, 403, 404, 413, 429, 500, 504, 529].map((status) => [anthropicErrorType(status), status]))

/** Renders a GatewayError as Anthropic's status and body. Overload is 529, as Claude Code retries on it. */
export function encodeError(error: GatewayError, requestId: string): { status: number; body: AnthropicErrorResponse } {
  const status = error.code === 'provider_overloaded' ? 529 : error.status
  return {
    status,
    body: { type: 'error', error: { type: anthropicErrorType(status), message: error.message }, request_id: requestId },
  }
}
