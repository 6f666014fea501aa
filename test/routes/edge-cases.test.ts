/**
 * WIRE.md §7 edge cases seen from the routes, across dialects (the codec-level ones are pinned in test/dialects/*).
 */
import { expect, test } from 'bun:test'
import { jsonReply, sseReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { useRouteGateway } from '../support/gateway.ts'

const routeGateway = useRouteGateway({ limits: { keepaliveIntervalMs: 100 } })
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  routeGateway.gateway.handle(path, { method: 'POST', body: JSON.stringify(body), headers })
const messagesBody = { model: 'gpt-5-mini', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }

test('edge 30: a silent translated stream gets keepalive comments between whole events', async () => {
  const fixture = await readFixture('upstream/openai-chat/text.stream.sse')
  routeGateway.upstream.enqueue(sseReply(fixture, { eventsMax: 2, hangAfterChunks: true }))
  const controller = new AbortController()
  const response = await routeGateway.gateway.handle('/v1/messages', { method: 'POST', signal: controller.signal, body: JSON.stringify({ ...messagesBody, stream: true }) })
  const reader = response.body!.getReader()
  let text = ''
  while (!text.includes(': keepalive\n\n')) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`stream ended without a keepalive: ${text}`)
    text += new TextDecoder().decode(value)
  }
  // Every event before the keepalive is whole: it ends with a blank line, and the comment starts a line of its own.
  expect(text.slice(0, text.indexOf(': keepalive'))).toMatch(/\n\n$/)
  controller.abort()
  await reader.cancel()
})

test('edges 33 and 34: anthropic-beta never goes to an OpenAI upstream; repeated betas reach Anthropic joined', async () => {
  routeGateway.upstream.enqueue(jsonReply(await readFixture('upstream/openai-chat/text.response.json')))
  await post('/v1/messages', messagesBody, { 'anthropic-beta': 'context-1m-2025-08-07', 'anthropic-version': '2023-06-01' })
  expect(routeGateway.upstream.received.at(-1)!.headers.get('anthropic-beta')).toBeNull()

  routeGateway.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
  const headers = new Headers({ 'x-api-key': routeGateway.gateway.key })
  headers.append('anthropic-beta', 'interleaved-thinking-2025-05-14')
  headers.append('anthropic-beta', 'context-1m-2025-08-07')
  await routeGateway.gateway.handle('/v1/messages', { method: 'POST', headers, body: JSON.stringify({ ...messagesBody, model: 'claude-sonnet-4-6' }) })
  expect(routeGateway.upstream.received.at(-1)!.headers.get('anthropic-beta')).toBe('interleaved-thinking-2025-05-14, context-1m-2025-08-07')
})

test('edge 35: an upstream Chat error on /v1/messages comes back Anthropic-shaped, status kept', async () => {
  routeGateway.upstream.enqueue(jsonReply({ error: { message: 'Invalid value for max_completion_tokens', type: 'invalid_request_error', param: 'max_completion_tokens', code: null } }, 400))
  const response = await post('/v1/messages', messagesBody)
  expect(response.status).toBe(400)
  expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'Invalid value for max_completion_tokens' } })
})

test('edge 36: /v1/models answers Claude Code in Anthropic shape, with the GPT models in the catalog too', async () => {
  const response = await routeGateway.gateway.handle('/v1/models?limit=1000', { headers: { authorization: `Bearer ${routeGateway.gateway.key}`, 'user-agent': 'claude-cli/2.1.3 (external, cli)' } })
  const body = (await response.json()) as { data: Array<{ type: string; id: string; display_name: string }> }
  expect(body.data.every((model) => model.type === 'model' && typeof model.display_name === 'string')).toBe(true)
  expect(body.data.map((model) => model.id)).toContain('gpt-5-mini')
})

test('edge 37: cache marks an OpenAI upstream cannot take are named in the warnings, not silently lost', async () => {
  routeGateway.upstream.enqueue(jsonReply(await readFixture('upstream/openai-chat/text.response.json')))
  const response = await post('/v1/messages', {
    ...messagesBody,
    cache_control: { type: 'ephemeral' },
    system: [{ type: 'text', text: 'Long rules', cache_control: { type: 'ephemeral', ttl: '1h' } }],
  })
  expect(response.status).toBe(200)
  expect(response.headers.get('x-anvat-warnings') ?? '').toContain('cache_control')
})
