/**
 * /metrics after a scripted mix of traffic through the official SDKs: whole answers and streams in both dialects, a
 * translated call, a retried 529, a fallback, a refusal for rpm and one for credit. The scrape is read by a strict
 * Prometheus text parser (test/support/prometheus-text.ts); names follow Prometheus conventions; every histogram counts exactly the requests that
 * were made; tokens, cost, attempts and refusals add up to what the answers and the ledger say.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { parseUsdToMicros } from '../../src/core/money.ts'
import { createKey } from '../../src/ledger/keys.ts'
import { jsonReply, sseReply, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { splitCostTrailer } from '../support/sdk-traffic.ts'
import { startTestGateway, type ListeningTestGateway } from '../support/gateway.ts'
import { parsePrometheusText, type PrometheusFamily, type PrometheusSample } from '../support/prometheus-text.ts'

let upstream: FakeUpstream
let gateway: ListeningTestGateway
let costSeenMicros = 0
let families: Map<string, PrometheusFamily>
const metricsToken = 'metrics-token-for-tests-0123456789'

const anthropic = (key = gateway.key) => new Anthropic({ baseURL: gateway.url, apiKey: key, maxRetries: 0 })
const openai = (key = gateway.key) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 })
const messages = { model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user' as const, content: 'Hello' }] }
const chat = { model: 'gpt-5-mini', messages: [{ role: 'user' as const, content: 'Hello' }] }

beforeAll(async () => {
  upstream = await startFakeUpstream()
  gateway = await startTestGateway(upstream, {
    metricsToken,
    limits: { retryAttemptsMax: 2, retryBaseDelayMs: 1 },
    plans: [{ id: 'tight', rpm: 1 }],
    configure: (file) => {
      file.models.push({ id: 'claude-with-fallback', provider: 'anthropic', upstreamId: 'claude-sonnet-4-6', pricing: { input: 3, output: 15 }, fallbacks: ['gpt-5-mini'] })
    },
  })
  const cost = (header: string | null) => (costSeenMicros += parseUsdToMicros(header ?? '0')!)

  // 1–2. Anthropic passthrough, whole and streamed.
  upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
  cost((await anthropic().messages.create(messages).withResponse()).response.headers.get('x-anvat-cost-usd'))
  upstream.enqueue(sseReply(await readFixture('upstream/anthropic/text.stream.sse')))
  cost(splitCostTrailer(await (await anthropic().messages.create({ ...messages, stream: true }).asResponse()).text()).costUsd)
  // 3–4. OpenAI passthrough, whole and streamed.
  upstream.enqueue(jsonReply(await readFixture('upstream/openai-chat/text.response.json')))
  cost((await openai().chat.completions.create(chat).withResponse()).response.headers.get('x-anvat-cost-usd'))
  upstream.enqueue(sseReply(await readFixture('upstream/openai-chat/text.stream.sse')))
  cost(splitCostTrailer(await (await openai().chat.completions.create({ ...chat, stream: true, stream_options: { include_usage: true } }).asResponse()).text()).costUsd)
  // 5. Chat caller, Anthropic model: translated; the first attempt is overloaded and retried.
  upstream.enqueue(jsonReply({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 529))
  upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
  cost((await openai().chat.completions.create({ ...chat, model: 'claude-sonnet-4-6' }).withResponse()).response.headers.get('x-anvat-cost-usd'))
  // 6. A model whose upstream fails twice falls back to gpt-5-mini.
  upstream.enqueue(jsonReply({ type: 'error', error: { type: 'api_error', message: 'boom' } }, 500))
  upstream.enqueue(jsonReply({ type: 'error', error: { type: 'api_error', message: 'boom' } }, 500))
  upstream.enqueue(jsonReply(await readFixture('upstream/openai-chat/text.response.json')))
  cost((await anthropic().messages.create({ ...messages, model: 'claude-with-fallback' }).withResponse()).response.headers.get('x-anvat-cost-usd'))
  // 7–8. A key allowed one request a minute: the second is refused for rpm.
  const tight = await createKey(gateway.connection, { name: 'tight', creditMicros: 1_000_000, rpm: 1 }, Date.now())
  upstream.enqueue(jsonReply(await readFixture('upstream/openai-chat/text.response.json')))
  cost((await openai(tight.key).chat.completions.create(chat).withResponse()).response.headers.get('x-anvat-cost-usd'))
  expect(await openai(tight.key).chat.completions.create(chat).catch((error: { status: number }) => error.status)).toBe(429)
  // 9. A key without credit: refused for credit.
  const broke = await createKey(gateway.connection, { name: 'broke', creditMicros: 0 }, Date.now())
  expect(await anthropic(broke.key).messages.create(messages).catch((error: { status: number }) => error.status)).toBe(402)
  // 10. A health check.
  await (await fetch(`${gateway.url}/healthz`)).text()

  await gateway.ledger.flush()
  const scrape = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
  expect(scrape.status).toBe(200)
  expect(scrape.headers.get('content-type')).toStartWith('text/plain')
  families = parsePrometheusText(await scrape.text())
})
afterAll(async () => {
  await gateway.stop()
  await upstream.stop()
})

/** The samples named `sample` (a family's own name, or its `_count`, `_sum` or `_bucket` series) matching `where`. */
const series = (sample: string, where: Record<string, string> = {}): PrometheusSample[] => {
  const family = families.get(sample) ?? families.get(sample.replace(/_(count|sum|bucket)$/, ''))
  return (family?.samples ?? []).filter((candidate) => candidate.name === sample && Object.entries(where).every(([label, value]) => candidate.labels[label] === value))
}
const total = (sample: string, where: Record<string, string> = {}) => series(sample, where).reduce((sum, candidate) => sum + candidate.value, 0)

describe('GET /metrics', () => {
  test('asks for its token when one is set', async () => {
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401)
    expect((await fetch(`${gateway.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401)
  })

  test('names follow Prometheus conventions: snake_case, counters end in _total, units in the name, help on every family', () => {
    expect(families.size).toBeGreaterThanOrEqual(16)
    for (const family of families.values()) {
      expect(family.name).toMatch(/^[a-z][a-z0-9_]*$/)
      expect(family.help.length).toBeGreaterThan(10)
      if (family.type === 'counter') expect(family.name).toEndWith('_total')
      if (family.type === 'histogram') expect(family.name).toEndWith('_seconds')
      for (const sample of family.samples) for (const label of Object.keys(sample.labels)) expect(label).toMatch(/^[a-z][a-z0-9_]*$/)
    }
    for (const name of ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'process_start_time_seconds']) expect(families.has(name)).toBe(true)
    expect(total('process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024)
  })

  test('requests by route, model, provider, status and dialect pair', () => {
    const count = (labels: Record<string, string>) => total('anvat_requests_total', labels)
    expect(count({ route: '/v1/messages', model: 'claude-sonnet-4-6', provider: 'anthropic', status: '200', dialect_in: 'anthropic', dialect_out: 'anthropic' })).toBe(2)
    expect(count({ route: '/v1/chat/completions', model: 'gpt-5-mini', provider: 'openai', status: '200', dialect_in: 'openai-chat', dialect_out: 'openai-chat' })).toBe(3)
    expect(count({ route: '/v1/chat/completions', model: 'claude-sonnet-4-6', provider: 'anthropic', dialect_in: 'openai-chat', dialect_out: 'anthropic' })).toBe(1)
    // The fallback: asked for claude-with-fallback, served by OpenAI.
    expect(count({ route: '/v1/messages', model: 'claude-with-fallback', provider: 'openai', status: '200', dialect_out: 'openai-chat' })).toBe(1)
    expect(count({ status: '429', provider: 'none' })).toBe(1)
    expect(count({ status: '402' })).toBe(1)
    expect(count({ route: '/healthz' })).toBe(1)
  })

  test('histograms count every request exactly once; time to first token counts the streams', () => {
    const requests = total('anvat_requests_total')
    expect(requests).toBe(10)
    expect(total('anvat_request_duration_seconds_count')).toBe(requests)
    expect(total('anvat_request_duration_seconds_count', { streamed: 'true' })).toBe(2)
    // Per route, the histogram and the counter agree, and each series' +Inf bucket is its count.
    for (const route of ['/v1/messages', '/v1/chat/completions', '/healthz']) {
      expect(total('anvat_request_duration_seconds_count', { route })).toBe(total('anvat_requests_total', { route }))
    }
    for (const count of series('anvat_request_duration_seconds_count')) {
      expect(total('anvat_request_duration_seconds_bucket', { ...count.labels, le: '+Inf' })).toBe(count.value)
    }
    expect(total('anvat_time_to_first_token_seconds_count')).toBe(2)
    expect(total('anvat_time_to_first_token_seconds_sum')).toBeGreaterThan(0)
    expect(total('anvat_open_streams')).toBe(0)
  })

  test('upstream attempts, retries and fallbacks', () => {
    // Anthropic: 2 passthrough + 2 for the retried translated call + 2 failed before the fallback; OpenAI: 3 + 1 + 1 (tight key).
    expect(total('anvat_upstream_retries_total', { provider: 'anthropic' })).toBe(1)
    expect(total('anvat_fallbacks_total', { model: 'claude-with-fallback', fallback: 'gpt-5-mini' })).toBe(1)
    expect(total('anvat_upstream_attempts_total')).toBe(upstream.received.length)
  })

  test('tokens by kind, and cost equal to what the answers reported', () => {
    expect(total('anvat_tokens_total', { model: 'claude-sonnet-4-6', kind: 'output' })).toBeGreaterThan(0)
    expect(total('anvat_tokens_total', { model: 'claude-sonnet-4-6', kind: 'cache_read' })).toBeGreaterThan(0)
    expect(total('anvat_tokens_total', { model: 'gpt-5-mini', kind: 'input' })).toBeGreaterThan(0)
    expect(total('anvat_cost_micro_usd_total')).toBe(costSeenMicros)
  })

  test('refusals by limit, and the ledger’s commits and queue', () => {
    expect(total('anvat_limiter_rejections_total', { limit: 'rpm' })).toBe(1)
    expect(total('anvat_limiter_rejections_total', { limit: 'credit' })).toBe(1)
    expect(total('anvat_ledger_commit_duration_seconds_count')).toBeGreaterThan(0)
    expect(total('anvat_ledger_committed_entries_total')).toBeGreaterThanOrEqual(8)
    expect(families.get('anvat_ledger_queue_depth')?.type).toBe('gauge')
  })
})
