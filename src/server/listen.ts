import type { Gateway } from './app.ts'
import type { Logger } from './logger.ts'

export type ListenOptions = { hostname: string; port: number }

/**
 * Serves the gateway on a port. `idleTimeout: 0` because Bun would cut a connection silent for 10 s, and a
 * non-streamed generation can take minutes; quiet streams get keepalive comments instead. `reusePort: false` makes a
 * port clash fail loudly. Bodies are size-checked by the gateway itself so oversize answers come in the caller's
 * dialect. Each request is logged once, when its response (or its stream) ends.
 */
export function listen(gateway: Gateway, options: ListenOptions, logger: Logger, now: () => number) {
  return Bun.serve({
    hostname: options.hostname,
    port: options.port,
    idleTimeout: 0,
    reusePort: false,
    development: false,
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    fetch: async (request) => {
      const response = await gateway.app.handle(request)
      const context = gateway.contexts.find(request)
      const log = (outcome: string | undefined) =>
        logger.info('request', {
          method: request.method,
          path: context?.path,
          status: response.status,
          model: context?.model,
          duration_ms: context === undefined ? undefined : now() - context.startedMs,
          request_id: context?.requestId,
          key: context?.apiKey?.id,
          outcome,
        })
      if (context?.streamEnded === undefined) log(undefined)
      else void context.streamEnded.then(log)
      return response
    },
  })
}
