import { fail } from '../core/error.ts'
import type { Dialect } from '../core/dialect.ts'
import type { ApiKeyRecord } from '../ledger/keys.ts'

/** What the gateway learns about one request as it passes through, for the handler, errors and the log line. */
export type RequestContext = {
  requestId: string
  startedMs: number
  method: string
  path: string
  /** The dialect the caller speaks on this path: errors are written in it. */
  dialect: Dialect
  apiKey: ApiKeyRecord | undefined
  /** The body exactly as received, once parsed. */
  bodyText: string | undefined
  model: string | undefined
  /** Settles when a streamed body has ended, with how it ended; undefined for whole responses. */
  streamEnded: Promise<string> | undefined
  /** Who answered, once known: the provider and its dialect (for metrics). */
  served?: { provider: string; dialect: string }
  /** For a stream: ms after the start when its first event was ready for the caller. */
  firstEventMs?: number
}

/** Per-request contexts, owned by one app: a WeakMap keyed by the Request, so nothing outlives the request. */
export type RequestContexts = {
  get: (request: Request) => RequestContext
  create: (request: Request, context: RequestContext) => RequestContext
  find: (request: Request) => RequestContext | undefined
}

export function createRequestContexts(): RequestContexts {
  const contexts = new WeakMap<Request, RequestContext>()
  return {
    get: (request) => {
      const context = contexts.get(request)
      // Every request passes onRequest, which creates its context before any handler runs.
      if (context === undefined) return fail('gateway_internal', 'Request context missing: onRequest did not run.')
      return context
    },
    create: (request, context) => {
      contexts.set(request, context)
      return context
    },
    find: (request) => contexts.get(request),
  }
}

/** The path of a request URL without parsing it into a URL object (the hot path does this on every request). */
export function pathOf(url: string): string {
  const schemeEnd = url.indexOf('://')
  const pathStart = url.indexOf('/', schemeEnd === -1 ? 0 : schemeEnd + 3)
  if (pathStart === -1) return '/'
  const queryStart = url.indexOf('?', pathStart)
  const hashStart = url.indexOf('#', pathStart)
  const end = Math.min(queryStart === -1 ? url.length : queryStart, hashStart === -1 ? url.length : hashStart)
  return url.slice(pathStart, end)
}

/** The query string including `?`, or ''. */
export function searchOf(url: string): string {
  const queryStart = url.indexOf('?')
  if (queryStart === -1) return ''
  const hashStart = url.indexOf('#', queryStart)
  return hashStart === -1 ? url.slice(queryStart) : url.slice(queryStart, hashStart)
}
