/**
 * The practical limit for any Bun gateway: a `Bun.serve` that forwards every request to one upstream with `fetch`
 * and streams the answer back, with no auth, no limits, no metering and no translation. Run as its own process:
 *
 *   npx bun bench/overhead/plain-proxy.ts --port 0 --upstream http://127.0.0.1:PORT
 *
 * It prints `listening <url>` once ready.
 */
import { parseArgs } from 'node:util'

export function startPlainProxy(port: number, upstream: string) {
  return Bun.serve({
    hostname: '127.0.0.1',
    port,
    idleTimeout: 0,
    fetch: async (request) => {
      const url = new URL(request.url)
      const headers = new Headers(request.headers)
      headers.delete('host')
      const answer = await fetch(`${upstream}${url.pathname}${url.search}`, { method: request.method, headers, body: request.body, signal: request.signal })
      return new Response(answer.body, { status: answer.status, headers: answer.headers })
    },
  })
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } } })
  if (values.upstream === undefined) throw new Error('--upstream is required')
  const server = startPlainProxy(Number(values.port), values.upstream)
  console.log(`listening http://127.0.0.1:${server.port}`)
  process.on('SIGTERM', () => {
    void server.stop(true)
    process.exit(0)
  })
}
