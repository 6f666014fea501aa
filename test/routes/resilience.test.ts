/**
 * Retries, fallbacks and key pools (src/routes/dispatch.ts), against a fake upstream scripted per request: how many
 * attempts reach it, the waits between them (an injected sleeper records them, with fixed jitter), what the caller
 * sees, and what the ledger keeps (nothing for a failed attempt, one settle for the answer, at the answering model's
 * price, with the attempts and the requested model on the usage record).
 */
import { describe, expect, test } from 'bun:test'
import { balanceMicros, requestIdOf, usageRecordOf } from '../support/billing.ts'
import { jsonReply, sseReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { useRouteGateway } from '../support/gateway.ts'

const sleeps: number[] = []
const setup = useRouteGateway({
  limits: { retryAttemptsMax: 3, retryBaseDelayMs: 100, retryDelayMaxMs: 1_000, retryAfterMaxMs: 5_000, keyRateLimitStrikes: 100 },
  sleep: async (milliseconds) => {
    sleeps.push(milliseconds)
  },
  random: () => 0.5,
  configure: (file) => {
    const anthropic = file.providers.find((provider) => provider.id === 'anthropic')!
    // A second Anthropic provider whose first key is wrong: the fake answers it 401.
    file.providers.push({ ...anthropic, id: 'anthropic-pool', apiKey: undefined, apiKeys: ['sk-ant-wrong-key-0000000000000000', anthropic.apiKey] })
    file.providers.push({ ...anthropic, id: 'anthropic-slow', timeouts: { firstByteMs: 1_000, idleMs: 1_000 } })
    file.models.push({ id: 'claude-pooled', provider: 'anthropic-pool', upstreamId: 'claude-sonnet-4-6', pricing: { input: 3, output: 15 } })
    file.models.push({ id: 'claude-slow', provider: 'anthropic-slow', upstreamId: 'claude-sonnet-4-6', pricing: { input: 3, output: 15 } })
    // Ten times gpt-5-mini's price, so a charge at the wrong model's price shows.
    file.models.push({ id: 'claude-with-fallback', provider: 'anthropic', upstreamId: 'claude-sonnet-4-6', pricing: { input: 30, output: 150 }, fallbacks: ['gpt-5-mini'] })
    // Nothing listens on port 9 of loopback: every connection is refused.
    file.providers.push({ ...anthropic, id: 'anthropic-down', baseUrl: 'http://127.0.0.1:9' })
    file.models.push({ id: 'claude-down-only', provider: 'anthropic-down', upstreamId: 'claude-sonnet-4-6', pricing: { input: 3, output: 15 } })
    file.models.push({ id: 'claude-down', provider: 'anthropic-down', upstreamId: 'claude-sonnet-4-6', pricing: { input: 3, output: 15 }, fallbacks: ['claude-sonnet-4-6'] })
  },
})

const deadline = useRouteGateway({ limits: { retryAttemptsMax: 3, retryDeadlineMs: 1_000, retryAfterMaxMs: 5_000 }, sleep: async () => undefined })

async function postTo(fixture: typeof deadline, body: string) {
  const response = await fixture.gateway.handle('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  return { response, text: await response.text() }
}

const anthropicError = (status: number, type: string) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'error', error: { type, message: `${type} (scripted)` } }) })
const messages = (model = 'claude-sonnet-4-6', extra: object = {}) =>
  JSON.stringify({ model, max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }], ...extra })

async function post(body: string) {
  sleeps.length = 0
  const response = await setup.gateway.handle('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  return { response, text: await response.text() }
}

describe('retries', () => {
  test('5xx twice, then an answer: three attempts, backoff with jitter doubling, one settle', async () => {
    setup.upstream.enqueue(anthropicError(500, 'api_error'))
    setup.upstream.enqueue(anthropicError(529, 'overloaded_error'))
    setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    const before = await balanceMicros(setup.gateway)
    const { response } = await post(messages())
    expect(response.status).toBe(200)
    expect(setup.upstream.received).toHaveLength(3)
    // Full jitter at 0.5: half of 100, then half of 200.
    expect(sleeps).toEqual([50, 100])
    const cost = Math.round(Number(response.headers.get('x-anvat-cost-usd')) * 1_000_000)
    expect(before - (await balanceMicros(setup.gateway))).toBe(cost)
    expect(await usageRecordOf(setup.gateway, requestIdOf(response))).toMatchObject({ attempts: 3, model: 'claude-sonnet-4-6', requested_model: 'claude-sonnet-4-6', status: 200 })
  })

  test('529 on every attempt: the caller gets the overload after three attempts, and nothing is charged', async () => {
    for (let index = 0; index < 3; index++) setup.upstream.enqueue(anthropicError(529, 'overloaded_error'))
    const before = await balanceMicros(setup.gateway)
    const { response, text } = await post(messages())
    expect(response.status).toBe(529)
    expect(JSON.parse(text)).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } })
    expect(setup.upstream.received).toHaveLength(3)
    expect(await balanceMicros(setup.gateway)).toBe(before)
    expect(await usageRecordOf(setup.gateway, requestIdOf(response))).toMatchObject({ attempts: 3, cost_micros: 0, outcome: 'upstream-error' })
  })

  test('429 with retry-after: the wait is the upstream’s when longer than the backoff', async () => {
    setup.upstream.enqueue({ ...anthropicError(429, 'rate_limit_error'), headers: { 'content-type': 'application/json', 'retry-after': '2' } })
    setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    const { response } = await post(messages())
    expect(response.status).toBe(200)
    expect(sleeps).toEqual([2_000])
  })

  test('a retry-after beyond the longest wait is not waited out: the 429 reaches the caller with it', async () => {
    setup.upstream.enqueue({ ...anthropicError(429, 'rate_limit_error'), headers: { 'content-type': 'application/json', 'retry-after': '60' } })
    const { response } = await post(messages())
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('60')
    expect(setup.upstream.received).toHaveLength(1)
    expect(sleeps).toEqual([])
  })

  test.each([408, 409])('%d is retried', async (status) => {
    setup.upstream.enqueue(anthropicError(status, status === 408 ? 'timeout_error' : 'api_error'))
    setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    expect((await post(messages())).response.status).toBe(200)
    expect(setup.upstream.received).toHaveLength(2)
  })

  test.each([400, 404, 413, 422])('the caller’s own %d is never retried', async (status) => {
    setup.upstream.enqueue(anthropicError(status, 'invalid_request_error'))
    const { response } = await post(messages())
    expect(response.status).toBe(status)
    expect(setup.upstream.received).toHaveLength(1)
  })

  test('a connection reset before any byte is retried', async () => {
    setup.upstream.enqueue({ status: 200, chunks: [], resetAfterChunks: true })
    setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    const { response } = await post(messages())
    expect(response.status).toBe(200)
    expect(setup.upstream.received).toHaveLength(2)
  })

  test('a first byte slower than the provider’s timeout is retried', async () => {
    setup.upstream.enqueue({ ...jsonReply(await readFixture('upstream/anthropic/text.response.json')), firstByteDelayMs: 1_500 })
    setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    const { response } = await post(messages('claude-slow'))
    expect(response.status).toBe(200)
    expect(setup.upstream.received).toHaveLength(2)
  })

  test('a stream that fails in its first event (Anthropic’s overloaded error after 200) is retried: the caller sees one clean stream', async () => {
    const overloaded = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    setup.upstream.enqueue(sseReply(overloaded))
    setup.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/text.stream.sse')))
    const { response, text } = await post(messages('claude-sonnet-4-6', { stream: true }))
    expect(response.status).toBe(200)
    expect(setup.upstream.received).toHaveLength(2)
    expect(text).not.toContain('overloaded_error')
    expect(text).toContain('event: message_stop')
  })

  test('a stream failing in its first event on every attempt: the caller gets the overload as a status, nothing charged', async () => {
    const overloaded = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    for (let index = 0; index < 3; index++) setup.upstream.enqueue(sseReply(overloaded))
    const before = await balanceMicros(setup.gateway)
    const { response, text } = await post(messages('claude-sonnet-4-6', { stream: true }))
    expect(response.status).toBe(529)
    expect(JSON.parse(text)).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } })
    expect(await balanceMicros(setup.gateway)).toBe(before)
  })

  test('a stream whose connection drops inside its first event is retried, not a 500', async () => {
    setup.upstream.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, chunks: ['event: message_start\ndata: {"type":"message_st'], resetAfterChunks: true })
    setup.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/text.stream.sse')))
    const { response, text } = await post(messages('claude-sonnet-4-6', { stream: true }))
    expect(response.status).toBe(200)
    expect(text).toContain('event: message_stop')
    expect(setup.upstream.received).toHaveLength(2)
  })

  test('never once a byte has reached the caller: a stream cut mid-way ends in band, after one attempt', async () => {
    setup.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/text.stream.sse'), { eventsMax: 4, resetAfterChunks: true }))
    const { response, text } = await post(messages('claude-sonnet-4-6', { stream: true }))
    expect(response.status).toBe(200)
    expect(text).toContain('event: error')
    expect(setup.upstream.received).toHaveLength(1)
  })
})

describe('fallbacks', () => {
  test('the requested model’s attempts exhausted: its fallback (another dialect) answers in the caller’s dialect, with the caller’s model id, billed at its price', async () => {
    for (let index = 0; index < 3; index++) setup.upstream.enqueue(anthropicError(529, 'overloaded_error'))
    setup.upstream.enqueue(jsonReply(await readFixture('upstream/openai-chat/text.response.json')))
    const { response, text } = await post(messages('claude-with-fallback'))
    expect(response.status).toBe(200)
    expect(setup.upstream.received.map((request) => request.path)).toEqual(['/v1/messages', '/v1/messages', '/v1/messages', '/v1/chat/completions'])
    const answer = JSON.parse(text)
    expect(answer).toMatchObject({ type: 'message', model: 'claude-with-fallback' })
    expect(response.headers.get('x-anvat-served-model')).toBe('gpt-5-mini')
    // 12 prompt × 3 + 78 completion × 15 µ$: gpt-5-mini's price, not the requested model's tenfold one.
    expect(response.headers.get('x-anvat-cost-usd')).toBe('0.001206')
    expect(await usageRecordOf(setup.gateway, requestIdOf(response))).toMatchObject({
      model: 'gpt-5-mini',
      requested_model: 'claude-with-fallback',
      provider: 'openai',
      dialect_out: 'openai-chat',
      attempts: 4,
    })
  })

  test('the caller’s own mistake is not sent on to the fallback', async () => {
    setup.upstream.enqueue(anthropicError(400, 'invalid_request_error'))
    const { response } = await post(messages('claude-with-fallback'))
    expect(response.status).toBe(400)
    expect(setup.upstream.received).toHaveLength(1)
  })
})

describe('deadline and unreachable upstreams', () => {
  test('a wait that would pass the total deadline is not taken: the 429 reaches the caller at once', async () => {
    deadline.upstream.enqueue({ ...anthropicError(429, 'rate_limit_error'), headers: { 'content-type': 'application/json', 'retry-after': '4' } })
    // retry-after 4 s is within retryAfterMaxMs (5 s) but, with the deadline at 1 s in the gateway below, past it.
    const { response } = await postTo(deadline, messages())
    expect(response.status).toBe(429)
    expect(deadline.upstream.received).toHaveLength(1)
  })

  test('an upstream that refuses connections is retried, then its fallback answers', async () => {
    setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    const { response } = await post(messages('claude-down'))
    expect(response.status).toBe(200)
    expect(setup.upstream.received).toHaveLength(1)
    expect(await usageRecordOf(setup.gateway, requestIdOf(response))).toMatchObject({ model: 'claude-sonnet-4-6', requested_model: 'claude-down', attempts: 4 })
    expect(setup.gateway.logs.filter((line) => line.includes('upstream attempt failed') && line.includes('provider=anthropic-down'))).toHaveLength(3)
  })
})

describe('what the caller sees of an outage', () => {
  test('no upstream reachable at all: 502 in the caller’s dialect, x-should-retry true, nothing charged', async () => {
    const before = await balanceMicros(setup.gateway)
    const { response, text } = await post(messages('claude-down-only'))
    expect(response.status).toBe(502)
    expect(JSON.parse(text)).toMatchObject({ type: 'error', error: { type: 'api_error' } })
    expect(response.headers.get('x-should-retry')).toBe('true')
    expect(sleeps).toHaveLength(2)
    expect(await balanceMicros(setup.gateway)).toBe(before)
    expect(await usageRecordOf(setup.gateway, requestIdOf(response))).toMatchObject({ attempts: 3, cost_micros: 0, outcome: 'failed' })
  })

  test('a stream silent past its provider’s idle timeout ends with an error event, after one attempt', async () => {
    setup.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/text.stream.sse'), { eventsMax: 3, hangAfterChunks: true }))
    const { response, text } = await post(messages('claude-slow', { stream: true }))
    expect(response.status).toBe(200)
    // The provider's own 1 s, not the limits' 600 s: with the wrong one the test would outlast its timeout.
    expect(text).toContain('event: error')
    expect(text).toContain('sent nothing for 1 s')
    expect(await usageRecordOf(setup.gateway, requestIdOf(response))).toMatchObject({ outcome: 'idle-timeout' })
    expect(setup.upstream.received).toHaveLength(1)
  })
})

describe('stalls after the headers', () => {
  test('a whole answer that goes silent mid-body ends at the provider’s idle timeout with a 504, nothing charged', async () => {
    const answer = await readFixture('upstream/anthropic/text.response.json')
    setup.upstream.enqueue({ status: 200, headers: { 'content-type': 'application/json' }, chunks: [answer.slice(0, 40)], hangAfterChunks: true })
    const before = await balanceMicros(setup.gateway)
    const { response, text } = await post(messages('claude-slow'))
    expect(response.status).toBe(504)
    expect(JSON.parse(text).error.message).toContain('sent nothing for 1 s')
    expect(await balanceMicros(setup.gateway)).toBe(before)
  })

  test('a translated stream ends for the caller at its own terminal event, though the upstream stalls before [DONE]', async () => {
    const chat = (await readFixture('upstream/openai-chat/text.stream.sse')).replace('data: [DONE]\n\n', '')
    setup.upstream.enqueue(sseReply(chat, { hangAfterChunks: true }))
    const { response, text } = await post(messages('gpt-5-mini', { stream: true, stream_options: undefined }))
    expect(response.status).toBe(200)
    expect(text).toContain('event: message_stop')
    expect(await usageRecordOf(setup.gateway, requestIdOf(response))).toMatchObject({ outcome: 'completed', partial: 0 })
  })
})

describe('key pools', () => {
  test('a key refused with 401 rests, visibly, and the next key answers; later requests skip the resting key', async () => {
    const { response } = await post(messages('claude-pooled'))
    expect(response.status).toBe(200)
    expect(setup.upstream.received.map((request) => request.headers.get('x-api-key'))).toEqual(['sk-ant-wrong-key-0000000000000000', setup.upstream.anthropicKey])
    const cooling = setup.gateway.logs.find((line) => line.includes('upstream key cooling down') && line.includes('provider=anthropic-pool'))
    expect(cooling).toContain('key=0')
    expect(cooling).toContain('reason=unauthorized')
    expect(setup.gateway.logs.join('\n')).not.toContain('sk-ant-wrong-key')
    setup.upstream.clear()
    expect((await post(messages('claude-pooled'))).response.status).toBe(200)
    expect(setup.upstream.received.map((request) => request.headers.get('x-api-key'))).toEqual([setup.upstream.anthropicKey])
  })
})
