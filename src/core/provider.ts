import type { DialectName, Operation } from './dialect.ts'

/** One request for a provider to perform, already in a dialect it speaks. */
export type UpstreamCall = {
  operation: Operation
  /** The gateway's id for the request (`req_…`), for upstreams that accept a client request id to log with theirs. */
  requestId: string
  /** The caller's query string (`?beta=true`) or ''. */
  search: string
  /** The request body, bytes as the caller sent them but for `model`. */
  body: string
  /** The caller's headers; a provider forwards only what its API defines, never the caller's credentials. */
  headers: Headers
  signal: AbortSignal
  /** Which of the provider's keys (0 ≤ keyIndex < keyCount) authenticates this call; the caller's key pool chooses. */
  keyIndex: number
}

/** How long an upstream may take at each stage before the gateway gives up on it. */
export type UpstreamTimeouts = {
  /** To open the connection (TCP and TLS). */
  connectMs: number
  /** From sending the request to the response headers; a slow reasoning model's whole answer comes inside it. */
  firstByteMs: number
  /** Silence allowed between two chunks of a streamed body. */
  idleMs: number
}

/** A configured upstream: what it speaks, how to call it, and what must never leak from it. */
export type Provider = {
  id: string
  /** Dialects it speaks natively: requests in these pass through untouched. */
  dialects: readonly DialectName[]
  send: (call: UpstreamCall) => Promise<Response>
  /** How many keys it holds; `UpstreamCall.keyIndex` is below this. At least 1. */
  keyCount: number
  timeouts: UpstreamTimeouts
  /** `scheme://host[:port]` of an HTTP upstream, for the connect probe; absent for the built-in mock. */
  origin?: string
  /** Its credentials, every key of its pool, to be scrubbed from anything relayed to a caller or a log. */
  secrets: readonly string[]
}
