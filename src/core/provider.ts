import type { DialectName, Operation } from './dialect.ts'

/** One request for a provider to perform, already in a dialect it speaks. */
export type UpstreamCall = {
  operation: Operation
  /** The caller's query string (`?beta=true`) or ''. */
  search: string
  /** The request body, bytes as the caller sent them but for `model`. */
  body: string
  /** The caller's headers; a provider forwards only what its API defines, never the caller's credentials. */
  headers: Headers
  signal: AbortSignal
}

/** A configured upstream: what it speaks, how to call it, and what must never leak from it. */
export type Provider = {
  id: string
  /** Dialects it speaks natively: requests in these pass through untouched. */
  dialects: readonly DialectName[]
  send: (call: UpstreamCall) => Promise<Response>
  /** Its credentials, to be scrubbed from anything relayed to a caller or a log. */
  secrets: readonly string[]
}
