/**
 * What a successful request costs (WIRE.md §4): the upstream's usage at the model's price, cache tokens at their own
 * rates and reasoning inside output, rounded up once; the cost header (or the stream's closing comment) says exactly
 * what the balance lost. Expected costs are worked out by hand from each fixture's usage at the test catalog's prices
 * (input 3, output 15, cache write 3.75, cache read 0.3 µ$ per token), never with the gateway's own pricing code.
 */
import { describe, expect, test } from 'bun:test'
import { jsonReply, sseReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { useRouteGateway } from '../support/gateway.ts'
import { balanceMicros, costMicrosOf, entriesOf, holdMicros, requestIdOf, usageRecordOf } from '../support/billing.ts'
import { splitCostTrailer } from '../support/sdk-traffic.ts'

const routeGateway = useRouteGateway()

const post = (path: string, body: object) =>
  routeGateway.gateway.handle(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })

const messages = (extra: object = {}) => ({ model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }], ...extra })
const chat = (extra: object = {}) => ({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'Hi' }], ...extra })
const responses = (extra: object = {}) => ({ model: 'gpt-5-mini', input: 'Hi', ...extra })

/** Sends a request whose answer is whole; returns the cost header in µ$, the balance drop and the usage record. */
async function wholeCharge(path: string, body: object) {
  const before = await balanceMicros(routeGateway.gateway)
  const response = await post(path, body)
  expect(response.status).toBe(200)
  const costMicros = costMicrosOf(response.headers.get('x-anvat-cost-usd'))
  const record = await usageRecordOf(routeGateway.gateway, requestIdOf(response))
  return { response, costMicros, dropMicros: before - (await balanceMicros(routeGateway.gateway)), record }
}

/** Sends a streamed request; returns the relayed bytes, the trailer cost in µ$, the balance drop and the record. */
async function streamCharge(path: string, body: object) {
  const before = await balanceMicros(routeGateway.gateway)
  const response = await post(path, body)
  expect(response.status).toBe(200)
  expect(response.headers.get('x-anvat-cost-usd')).toBeNull()
  const { relayed, costUsd } = splitCostTrailer(await response.text())
  const record = await usageRecordOf(routeGateway.gateway, requestIdOf(response))
  return { relayed, costMicros: costMicrosOf(costUsd), dropMicros: before - (await balanceMicros(routeGateway.gateway)), record }
}

describe('whole answers: the cost header is usage × price, and the balance drops by exactly that', () => {
  test('Anthropic with a 5-minute cache write: 14·3 + 2077·3.75 + 19·15 = 8115.75 → 8116 µ$', async () => {
    routeGateway.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    const { response, costMicros, dropMicros, record } = await wholeCharge('/v1/messages', messages())
    expect(response.headers.get('x-anvat-cost-usd')).toBe('0.008116')
    expect(costMicros).toBe(8116)
    expect(dropMicros).toBe(8116)
    expect(record).toMatchObject({ input_tokens: 14, cache_write_5m_tokens: 2077, cache_write_1h_tokens: 0, cache_read_tokens: 0, output_tokens: 19 })
    expect(record).toMatchObject({ cost_micros: 8116, unbilled_micros: 0, status: 200, outcome: 'completed', estimated: 0, partial: 0 })
    // The hold was taken and given back in full; only the settlement is spent.
    const requestId = record.request_id
    const hold = (await holdMicros(routeGateway.gateway, requestId))!
    expect(await entriesOf(routeGateway.gateway, requestId)).toEqual([`release ${hold}`, `reserve ${-hold}`, 'settle -8116'])
  })

  test('Anthropic with a 1-hour cache write (priced at the write rate when no 1-hour rate is set): 58·3 + 3120·3.75 + 143·15 = 14019 µ$', async () => {
    routeGateway.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/thinking.response.json')))
    const { costMicros, dropMicros, record } = await wholeCharge('/v1/messages', messages())
    expect(costMicros).toBe(14_019)
    expect(dropMicros).toBe(14_019)
    expect(record).toMatchObject({ input_tokens: 58, cache_write_5m_tokens: 0, cache_write_1h_tokens: 3120, output_tokens: 143 })
  })

  test('Chat with cached prompt tokens and reasoning: (2412 − 1920)·3 + 1920·0.3 + 1186·15 = 19842 µ$', async () => {
    routeGateway.upstream.enqueue(jsonReply(await readFixture('upstream/openai-chat/reasoning-usage.response.json')))
    const { response, costMicros, dropMicros, record } = await wholeCharge('/v1/chat/completions', chat())
    // Cached tokens charged at the input rate too would add 1920·3 = 5760; reasoning added again, 1024·15 = 15360.
    expect(response.headers.get('x-anvat-cost-usd')).toBe('0.019842')
    expect(costMicros).toBe(19_842)
    expect(dropMicros).toBe(19_842)
    expect(record).toMatchObject({ input_tokens: 492, cache_read_tokens: 1920, output_tokens: 1186, reasoning_tokens: 1024, estimated: 0 })
  })

  test('Responses: 11·3 + 80·15 = 1233 µ$, reasoning inside output', async () => {
    routeGateway.upstream.enqueue(jsonReply(await readFixture('upstream/openai-responses/text.response.json')))
    const { response, costMicros, dropMicros } = await wholeCharge('/v1/responses', responses())
    expect(response.headers.get('x-anvat-cost-usd')).toBe('0.001233')
    expect(costMicros).toBe(1233)
    expect(dropMicros).toBe(1233)
  })

  test('Responses with cached input: (2000 − 1500)·3 + 1500·0.3 + 80·15 = 3150 µ$', async () => {
    const answer = JSON.parse(await readFixture('upstream/openai-responses/text.response.json'))
    answer.usage = { input_tokens: 2000, input_tokens_details: { cached_tokens: 1500 }, output_tokens: 80, output_tokens_details: { reasoning_tokens: 64 }, total_tokens: 2080 }
    routeGateway.upstream.enqueue(jsonReply(answer))
    const { response, dropMicros, record } = await wholeCharge('/v1/responses', responses())
    expect(response.headers.get('x-anvat-cost-usd')).toBe('0.00315')
    expect(dropMicros).toBe(3150)
    expect(record).toMatchObject({ input_tokens: 500, cache_read_tokens: 1500, output_tokens: 80, reasoning_tokens: 64 })
  })

  test('the built-in anvat-echo is billed at its own price (input 1, output 5 µ$ per token)', async () => {
    const { response, costMicros, dropMicros, record } = await wholeCharge('/v1/messages', { ...messages(), model: 'anvat-echo', messages: [{ role: 'user', content: 'price me' }] })
    const usage = ((await response.json()) as { usage: { input_tokens: number; output_tokens: number } }).usage
    expect(usage.input_tokens).toBeGreaterThan(0)
    expect(costMicros).toBe(usage.input_tokens * 1 + usage.output_tokens * 5)
    expect(dropMicros).toBe(costMicros)
    expect(record).toMatchObject({ model: 'anvat-echo', provider: 'mock', cost_micros: costMicros })
    expect(routeGateway.upstream.received).toHaveLength(0)
  })
})

describe('streams: the closing comment carries the cost, and the balance drops by exactly that', () => {
  test('Anthropic with cache reads and writes, priced from the final message_delta: 3·3 + 221·3.75 + 4608·0.3 + 112·15 = 3900.15 → 3901 µ$', async () => {
    const fixture = await readFixture('upstream/anthropic/thinking-tool-use.stream.sse')
    routeGateway.upstream.enqueue(sseReply(fixture))
    const { relayed, costMicros, dropMicros, record } = await streamCharge('/v1/messages', messages({ stream: true }))
    expect(relayed).toBe(fixture)
    expect(costMicros).toBe(3901)
    expect(dropMicros).toBe(3901)
    expect(record).toMatchObject({ input_tokens: 3, cache_write_5m_tokens: 221, cache_read_tokens: 4608, output_tokens: 112, outcome: 'completed', partial: 0, estimated: 0 })
  })

  test('Anthropic text with cache reads: 14·3 + 2077·0.3 + 19·15 = 950.1 → 951 µ$', async () => {
    routeGateway.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/text.stream.sse')))
    const { costMicros, dropMicros } = await streamCharge('/v1/messages', messages({ stream: true }))
    expect(costMicros).toBe(951)
    expect(dropMicros).toBe(951)
  })

  test('Responses, priced from response.completed: 72·3 + 150·15 = 2466 µ$', async () => {
    const fixture = await readFixture('upstream/openai-responses/function-call.stream.sse')
    routeGateway.upstream.enqueue(sseReply(fixture))
    const { relayed, costMicros, dropMicros } = await streamCharge('/v1/responses', responses({ stream: true }))
    expect(relayed).toBe(fixture)
    expect(costMicros).toBe(2466)
    expect(dropMicros).toBe(2466)
  })

  test('Chat without include_usage: usage is asked for upstream, its chunk kept from the caller, and billed exactly (12·3 + 78·15 = 1206 µ$)', async () => {
    const fixture = await readFixture('upstream/openai-chat/text.stream.sse')
    // Events a few ms apart, as a real upstream flushes them, so the usage chunk arrives alone in its read.
    routeGateway.upstream.enqueue(sseReply(fixture, { chunkDelayMs: 5 }))
    const { relayed, costMicros, dropMicros, record } = await streamCharge('/v1/chat/completions', chat({ stream: true }))
    expect(JSON.parse(routeGateway.upstream.received[0]!.bodyText).stream_options).toEqual({ include_usage: true })
    const events = fixture.split(/(?<=\n\n)/)
    const usageEvents = events.filter((event) => event.includes('"choices":[],"usage":{'))
    expect(usageEvents).toHaveLength(1)
    expect(relayed).toBe(events.filter((event) => !usageEvents.includes(event)).join(''))
    expect(relayed).not.toContain('"prompt_tokens"')
    expect(costMicros).toBe(1206)
    expect(dropMicros).toBe(1206)
    expect(record).toMatchObject({ input_tokens: 12, output_tokens: 78, reasoning_tokens: 64, estimated: 0, partial: 0 })
  })

  test('Chat with include_usage: the caller keeps its usage chunk and pays the same', async () => {
    const fixture = await readFixture('upstream/openai-chat/text.stream.sse')
    routeGateway.upstream.enqueue(sseReply(fixture))
    const { relayed, costMicros, dropMicros } = await streamCharge('/v1/chat/completions', chat({ stream: true, stream_options: { include_usage: true } }))
    expect(relayed).toBe(fixture)
    expect(costMicros).toBe(1206)
    expect(dropMicros).toBe(1206)
  })

  test('anvat-echo streamed over Chat without include_usage: billed at its price from the hidden usage chunk', async () => {
    // "Echo: one two three" is 4 output tokens; the prompt is ⌈13 / 4⌉ + 4 per message = 8 input tokens: 8·1 + 4·5 = 28 µ$.
    const { relayed, costMicros, dropMicros, record } = await streamCharge('/v1/chat/completions', {
      model: 'anvat-echo',
      stream: true,
      messages: [{ role: 'user', content: 'one two three' }],
    })
    expect(relayed).not.toContain('"usage":{')
    expect(relayed).not.toContain('"choices":[]')
    expect(relayed).toContain('data: [DONE]')
    expect(costMicros).toBe(28)
    expect(dropMicros).toBe(28)
    expect(record).toMatchObject({ model: 'anvat-echo', input_tokens: 8, output_tokens: 4 })
  })
})

describe('free requests', () => {
  test('count_tokens costs nothing, holds nothing and records nothing', async () => {
    const before = await balanceMicros(routeGateway.gateway)
    const response = await post('/v1/messages/count_tokens', { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }] })
    expect(response.status).toBe(200)
    expect((await response.json()) as object).toEqual({ input_tokens: 2095 })
    expect(response.headers.get('x-anvat-cost-usd')).toBeNull()
    expect(await balanceMicros(routeGateway.gateway)).toBe(before)
    const requestId = requestIdOf(response)
    expect(await entriesOf(routeGateway.gateway, requestId)).toEqual([])
    const records = await routeGateway.gateway.connection.client.query({ sql: 'SELECT 1 FROM usage_records WHERE request_id = ?', args: [requestId] })
    expect(records).toHaveLength(0)
  })
})

describe('GET /v1/balance', () => {
  test('without a key: 200 with a null balance', async () => {
    const response = await routeGateway.gateway.gateway.app.handle(new Request('http://anvat.test/v1/balance'))
    expect(response.status).toBe(200)
    expect((await response.json()) as object).toEqual({ balance_usd: null, currency: 'USD', updated_at: null })
  })

  test('with a bad or revoked key: 401 in the OpenAI shape', async () => {
    for (const key of ['anv_not-a-real-key', routeGateway.gateway.revokedKey]) {
      const response = await routeGateway.gateway.handle('/v1/balance', { headers: { authorization: `Bearer ${key}` } })
      expect(response.status).toBe(401)
      expect((await response.json()) as object).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key' } })
    }
  })

  test('with a valid key: the balance as a number of USD, after every answered request is settled', async () => {
    const before = await balanceMicros(routeGateway.gateway)
    routeGateway.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    expect((await post('/v1/messages', messages())).status).toBe(200)
    const response = await routeGateway.gateway.handle('/v1/balance', { headers: { authorization: `Bearer ${routeGateway.gateway.key}` } })
    const body = (await response.json()) as { balance_usd: unknown; currency: string; updated_at: string }
    expect(Object.keys(body).sort()).toEqual(['balance_usd', 'currency', 'updated_at'])
    expect(typeof body.balance_usd).toBe('number')
    expect(Math.round((body.balance_usd as number) * 1_000_000)).toBe(before - 8116)
    expect(body.currency).toBe('USD')
    expect(Date.parse(body.updated_at)).toBeGreaterThan(Date.now() - 60_000)
    expect(new Date(Date.parse(body.updated_at)).toISOString()).toBe(body.updated_at)
  })
})
