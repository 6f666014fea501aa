import type { Gateway } from './app.ts'
import type { Logger } from './logger.ts'

export type ListenOptions = {
  hostname: string
  port: number
  /** Counts the requests being answered, so a drain knows when they are done; serve passes one, tests need not. */
  inFlight?: InFlight
}

/**
 * The requests a server is answering. Each counts from arrival until its response is returned, or, when the response
 * is a stream, until the stream has ended and its cost has gone to the ledger: Bun's own count ends when the last
 * byte is written, which can be before a cut stream has been billed.
 */
export type InFlight = {
  count: () => number
  /** Marks one request as started; the returned function marks it ended (a second call does nothing). */
  begin: () => () => void
  /** Settles once nothing is in flight. */
  idle: () => Promise<void>
}

/** An empty in-flight count. */
export function createInFlight(): InFlight {
  let count = 0
  const waiters: Array<() => void> = []
  return {
    count: () => count,
    begin: () => {
      count += 1
      let ended = false
      return () => {
        if (ended) return
        ended = true
        count -= 1
        if (count === 0) for (const wake of waiters.splice(0)) wake()
      }
    },
    idle: () => (count === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  }
}

/**
 * Serves the gateway on a port. `idleTimeout: 0` because Bun would cut a connection silent for 10 s, and a
 * non-streamed generation can take minutes; quiet streams get keepalive comments instead. `reusePort: false` makes a
 * port clash fail loudly. Bodies are size-checked by the gateway itself so oversize answers come in the caller's
 * dialect. Each request is logged once, when its response (or its stream) ends.
 */
export function listen(gateway: Gateway, options: ListenOptions, logger: Logger, now: () => number) {
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    idleTimeout: 0,
    reusePort: false,
    development: false,
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    fetch: async (request) => {
      const end = options.inFlight?.begin() ?? (() => undefined)
      let response: Response
      try {
        response = await gateway.app.handle(request)
      } catch (error) {
        // Elysia answers handler errors itself; whatever still escapes is Bun's to report, but no longer in flight.
        end()
        throw error
      }
      const context = gateway.contexts.find(request)
      const finish = (outcome: string | undefined) => {
        const durationMs = context === undefined ? undefined : now() - context.startedMs
        logger.info('request', {
          method: request.method,
          path: context?.path,
          status: response.status,
          model: context?.model,
          duration_ms: durationMs,
          request_id: context?.requestId,
          key: context?.apiKey?.id,
          outcome,
        })
        if (context !== undefined) {
          gateway.metrics.observeRequest({
            method: request.method,
            path: context.path,
            status: response.status,
            model: context.model,
            provider: context.served?.provider,
            dialectIn: context.dialect.name,
            dialectOut: context.served?.dialect,
            durationMs: durationMs!,
            firstEventMs: context.firstEventMs,
            streamed: context.streamEnded !== undefined,
          })
        }
        end()
      }
      if (context?.streamEnded === undefined) finish(undefined)
      else {
        gateway.metrics.streamOpened()
        void context.streamEnded.then((outcome) => {
          gateway.metrics.streamClosed()
          finish(outcome)
        })
      }
      return response
    },
  })
  // Asked only when a page limits attempts per address, so the proxy path never pays for the lookup.
  gateway.peerAddress.lookup = (request) => server.requestIP(request)?.address
  return server
}
