/**
 * A Hrana-over-HTTP server backed by bun:sqlite, standing in for sqld (libSQL server) in tests: sqld cannot be
 * installed here, and the `turso` CLI's dev server refuses @libsql/client's requests. It speaks the JSON variant of
 * versions 2 and 3, which is all `@libsql/client/web` sends (it never asks for v3 or protobuf over HTTP).
 *
 * Each stream owns its own SQLite connection to the same file, so a transaction opened in one pipeline request
 * continues in the next one carrying the baton, and two streams contend for locks like two sqld connections do.
 * Error codes, HTTP statuses and limits follow sqld (libsql-server/src/hrana/http), not just the spec.
 * @see https://github.com/tursodatabase/libsql/blob/main/docs/HRANA_3_SPEC.md
 */
import { Database } from 'bun:sqlite'
import { openConnection, type ErrorCodeStyle } from './hrana/statement.ts'
import { closeStream, createStream, handleStreamRequest, isProtocolViolation, type HranaStream, type HranaVersion } from './hrana/stream.ts'
import { pipelineRequestBodyChecker, type HranaPipelineResponseBody, type HranaStreamResult } from './hrana/wire.ts'

/** A running server. */
export type HranaServer = {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string
  /** Closes the listener and every open stream, rolling back their transactions. */
  stop: () => Promise<void>
  /** Pipeline requests answered with 200 so far. */
  requests: () => number
}

export type HranaServerOptions = {
  /** A file: every stream opens its own connection to it, which an in-memory database cannot give. */
  databasePath: string
  /** When set, pipeline requests must carry `Authorization: Bearer <authToken>`. */
  authToken?: string
  /** A stream nobody uses for this long is closed and its transaction rolled back. sqld waits 10 s. */
  batonTimeoutMs?: number
  /** `primary` (default) reports `SQLITE_CONSTRAINT` as sqld does; `extended` reports `SQLITE_CONSTRAINT_UNIQUE`. */
  errorCodeStyle?: ErrorCodeStyle
}

type ServerState = {
  streams: Set<HranaStream>
  batons: Map<string, HranaStream>
  /** Batons of streams closed by expiry, so a late request hears "expired" rather than "invalid", as with sqld. */
  expiredBatons: Set<string>
  requestsServed: number
}

type Acquired = { kind: 'stream'; stream: HranaStream } | { kind: 'rejected'; response: Response }

const batonTimeoutMsDefault = 10_000
/** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
const busyTimeoutMs = 5_000
const streamsMax = 1_000
const expiredBatonsMax = 1_000

/** Starts the server on 127.0.0.1 and a free port. */
export function startHranaServer(options: HranaServerOptions): HranaServer {
  const batonTimeoutMs = options.batonTimeoutMs ?? batonTimeoutMsDefault
  const errorCodeStyle = options.errorCodeStyle ?? 'primary'
  const state: ServerState = { streams: new Set(), batons: new Map(), expiredBatons: new Set(), requestsServed: 0 }

  // WAL is a property of the file, so setting it once covers every connection opened later. It lets readers run
  // while a stream holds a write transaction, as they can on sqld.
  const setup = new Database(options.databasePath, { create: true })
  setup.run('PRAGMA journal_mode = WAL')
  setup.close()

  const dropStream = (stream: HranaStream) => {
    closeStream(stream)
    state.streams.delete(stream)
  }

  const acquireStream = (baton: string | null): Acquired => {
    if (baton === null) {
      if (state.streams.size >= streamsMax) return { kind: 'rejected', response: textResponse(503, `More than ${streamsMax} streams are open`) }
      const stream = createStream(openConnection(options.databasePath, errorCodeStyle, busyTimeoutMs))
      state.streams.add(stream)
      return { kind: 'stream', stream }
    }
    const stream = state.batons.get(baton)
    if (stream === undefined) {
      if (state.expiredBatons.has(baton)) {
        return { kind: 'rejected', response: jsonResponse(500, { message: 'The stream has expired due to inactivity', code: 'STREAM_EXPIRED' }) }
      }
      return { kind: 'rejected', response: textResponse(400, 'The baton is invalid or was already used') }
    }
    // A baton is good for one request: the client must wait for the response and use the new baton in it.
    state.batons.delete(baton)
    clearTimeout(stream.idleTimer)
    return { kind: 'stream', stream }
  }

  const releaseStream = (stream: HranaStream): string => {
    const baton = crypto.randomUUID()
    state.batons.set(baton, stream)
    stream.idleTimer = setTimeout(() => {
      state.batons.delete(baton)
      state.expiredBatons.add(baton)
      const oldest = state.expiredBatons.values().next()
      if (state.expiredBatons.size > expiredBatonsMax && !oldest.done) state.expiredBatons.delete(oldest.value)
      dropStream(stream)
    }, batonTimeoutMs)
    return baton
  }

  const handlePipeline = async (request: Request, version: HranaVersion): Promise<Response> => {
    if (options.authToken !== undefined && request.headers.get('authorization') !== `Bearer ${options.authToken}`) {
      // sqld's body has no `message`, so the client reports a plain HTTP 401 (LibsqlError code SERVER_ERROR).
      return jsonResponse(401, { error: 'Unauthorized: the bearer token is missing or wrong' })
    }
    const body: unknown = await request.json().catch((error: unknown) => error)
    if (!pipelineRequestBodyChecker.Check(body)) {
      const firstError = pipelineRequestBodyChecker.Errors(body).First()
      const reason = body instanceof Error ? body.message : `${firstError?.path ?? ''} ${firstError?.message ?? ''}`
      return textResponse(400, `Invalid pipeline request body: ${reason}`)
    }
    const acquired = acquireStream(body.baton ?? null)
    if (acquired.kind === 'rejected') return acquired.response
    const { stream } = acquired
    const results: HranaStreamResult[] = []
    try {
      for (const streamRequest of body.requests) results.push(await handleStreamRequest(stream, streamRequest, version))
    } catch (error) {
      // As in sqld, a failed pipeline loses its stream, and with it any open transaction.
      dropStream(stream)
      if (isProtocolViolation(error)) return textResponse(400, error.message)
      throw error
    }
    if (stream.closed) state.streams.delete(stream)
    state.requestsServed += 1
    const responseBody: HranaPipelineResponseBody = { baton: stream.closed ? null : releaseStream(stream), base_url: null, results }
    return jsonResponse(200, responseBody)
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    reusePort: false,
    fetch: (request) => {
      const { pathname } = new URL(request.url)
      if (request.method === 'GET' && (pathname === '/' || pathname === '/v2' || pathname === '/v3')) {
        return textResponse(200, 'Hrana over HTTP, versions 2 and 3 (JSON), for tests')
      }
      if (request.method === 'POST' && pathname === '/v2/pipeline') return handlePipeline(request, 2)
      if (request.method === 'POST' && pathname === '/v3/pipeline') return handlePipeline(request, 3)
      return textResponse(404, `No route for ${request.method} ${pathname}`)
    },
    // The client reads a text/plain body into its error message, so a bug here shows up in the failing test.
    error: (error) => textResponse(500, `Hrana test server failed: ${error.stack ?? error.message}`),
  })

  return {
    url: `http://127.0.0.1:${server.port}`,
    stop: async () => {
      for (const stream of [...state.streams]) dropStream(stream)
      state.batons.clear()
      await server.stop(true)
    },
    requests: () => state.requestsServed,
  }
}

/** The client compares the content type exactly: `application/json; charset=utf-8` would hide the error body. */
function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain' } })
}
