import type { Dialect } from '../core/dialect.ts'
import { GatewayFailure, gatewayError, type GatewayError } from '../core/error.ts'
import type { Logger } from './logger.ts'
import { describeViolation, type SchemaViolation } from './validation-message.ts'

/** Statuses a client retry cannot fix; SDKs read `x-should-retry: false` before their default policy. */
const hopelessStatuses = new Set([400, 401, 402, 403, 404, 413, 422])

/** The one place an error becomes an HTTP response: the caller's dialect, its status, and retry guidance. */
export function errorResponse(dialect: Dialect, error: GatewayError, requestId: string): Response {
  const { status, body } = dialect.encodeError(error, requestId)
  const headers: Record<string, string> = { ...error.headers, 'content-type': 'application/json', [dialect.requestIdHeader]: requestId }
  if (error.retryAfterMs !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)))
    headers['retry-after-ms'] = String(Math.max(0, Math.round(error.retryAfterMs)))
  }
  if (hopelessStatuses.has(status)) headers['x-should-retry'] = 'false'
  // An upstream outage the gateway already retried: still worth the client's own retry, later (Anthropic's SDK
  // reads this before its defaults).
  else if (error.code.startsWith('provider_') && error.upstream?.status !== 401 && error.upstream?.status !== 403) headers['x-should-retry'] = 'true'
  return new Response(JSON.stringify(body), { status, headers })
}

type ElysiaFailure = { code: unknown; error: unknown }

/**
 * Turns whatever reached Elysia's onError into a GatewayError: our own failures as they are, schema violations and
 * unparsable bodies as 400s naming the field, unknown routes as 404s, and anything else as a logged 500 whose
 * details stay in the log.
 */
export function toGatewayError(failure: ElysiaFailure, method: string, path: string, logger: Logger, requestId: string): GatewayError {
  const { code, error } = failure
  if (error instanceof GatewayFailure) return error.error
  if (code === 'VALIDATION') {
    const violation = firstViolation(error)
    const { message, param } = describeViolation(violation)
    return gatewayError('caller_invalid_request', message, param === undefined ? {} : { param })
  }
  if (code === 'PARSE') {
    // Elysia wraps whatever the body parser threw; ours carries the precise failure (size, UTF-8, depth, syntax).
    const cause = error instanceof Error ? error.cause : undefined
    if (cause instanceof GatewayFailure) return cause.error
    return gatewayError('caller_invalid_request', 'The request body is not valid JSON.')
  }
  if (code === 'NOT_FOUND') {
    return gatewayError('caller_unknown_route', `Unknown request URL: ${method} ${path}.`)
  }
  logger.error('unhandled error', {
    request_id: requestId,
    code: String(code),
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  })
  return gatewayError('gateway_internal', `Internal error. Quote request id ${requestId} when reporting it.`)
}

function firstViolation(error: unknown): SchemaViolation | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const all = (error as { all?: unknown }).all
  if (!Array.isArray(all) || all.length === 0) return undefined
  // Prefer the deepest path: a union failure at `messages/0` is explained better by its child at `messages/0/role`.
  const violations = all.filter((item): item is SchemaViolation => typeof item === 'object' && item !== null && 'path' in item)
  return violations.sort((left, right) => right.path.length - left.path.length)[0]
}
