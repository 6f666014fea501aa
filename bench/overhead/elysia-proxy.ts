/**
 * The framework's own floor: the stack's web framework (Elysia, on Bun.serve) in front of one upstream, with none of
 * the gateway's work. Two shapes, to split what Elysia costs from what the least metering costs:
 *
 * - `forward`: one POST route, body not parsed, the upstream's answer streamed back (plain-proxy.ts inside Elysia);
 * - `metered`: the body parsed by Elysia, its model rewritten and re-serialised, the answer read whole and parsed for
 *   its usage, which goes back in a header: the JSON passes any metering gateway makes on a whole answer.
 *
 *   npx bun bench/overhead/elysia-proxy.ts --port 0 --upstream http://127.0.0.1:PORT --shape forward|metered
 *
 * It prints `listening <url>` once ready.
 */
import { Elysia } from 'elysia'
import { parseArgs } from 'node:util'

export type ProxyShape = 'forward' | 'metered'

const forwardedHeaders = (request: Request) => {
  const headers = new Headers(request.headers)
  headers.delete('host')
  headers.delete('content-length')
  return headers
}

export function startElysiaProxy(port: number, upstream: string, shape: ProxyShape) {
  const upstreamUrl = (request: Request) => `${upstream}${new URL(request.url).pathname}`
  const app = new Elysia()
  for (const path of ['/v1/chat/completions', '/v1/messages']) {
    if (shape === 'forward') {
      app.post(
        path,
        async ({ request }) => {
          const answer = await fetch(upstreamUrl(request), { method: 'POST', headers: forwardedHeaders(request), body: request.body, signal: request.signal })
          return new Response(answer.body, { status: answer.status, headers: answer.headers })
        },
        { parse: 'none' },
      )
    } else {
      app.post(path, async ({ request, body }) => {
        const rewritten = JSON.stringify({ ...(body as Record<string, unknown>), model: (body as { model?: string }).model })
        const answer = await fetch(upstreamUrl(request), { method: 'POST', headers: forwardedHeaders(request), body: rewritten, signal: request.signal })
        const text = await answer.text()
        const usage = (JSON.parse(text) as { usage?: unknown }).usage
        return new Response(text, { status: answer.status, headers: { 'content-type': 'application/json', 'x-usage': JSON.stringify(usage ?? null) } })
      })
    }
  }
  return app.listen({ hostname: '127.0.0.1', port, idleTimeout: 0 })
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' }, shape: { type: 'string', default: 'forward' } } })
  if (values.upstream === undefined) throw new Error('--upstream is required')
  if (values.shape !== 'forward' && values.shape !== 'metered') throw new Error('--shape is forward or metered')
  const app = startElysiaProxy(Number(values.port), values.upstream, values.shape)
  console.log(`listening http://127.0.0.1:${app.server?.port}`)
  process.on('SIGTERM', () => {
    void app.stop(true)
    process.exit(0)
  })
}
