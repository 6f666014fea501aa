/**
 * Per-key rate limits as the official SDKs see them: a key with rpm 5 gets five answers and then the SDK's
 * RateLimitError; and with the SDKs' default retries, a request over the limit is retried after the wait our
 * `retry-after-ms` names, and then succeeds. The gateway's clock runs ahead of real time by an offset the test moves,
 * so a 60 s window can end a second and a half from now without the test waiting a minute.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { sseReply, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { startTestGateway, type ListeningTestGateway } from '../support/gateway.ts'
import { limitedKey } from '../support/limits.ts'
import { drain, type SdkFetch } from '../support/sdk-traffic.ts'

let upstream: FakeUpstream
let gateway: ListeningTestGateway
let clockOffsetMs = 0

beforeAll(async () => {
  upstream = await startFakeUpstream()
  gateway = await startTestGateway(upstream, { now: () => Date.now() + clockOffsetMs })
})
beforeEach(() => upstream.clear())
afterAll(async () => {
  await gateway.stop()
  await upstream.stop()
})

const messagesParams = { model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user' as const, content: 'Hello' }] }
const chatParams = { model: 'gpt-5-mini', messages: [{ role: 'user' as const, content: 'Hello' }] }

/** One request as the SDK made it: when it left, when its answer came, and what the answer said about waiting. */
type Exchange = { startedMs: number; answeredMs: number; status: number; retryAfterMs: string | null; retryAfter: string | null }

/** A `fetch` that times each request and notes its status and retry headers. */
function timedFetch(exchanges: Exchange[]): SdkFetch {
  return async (input, init) => {
    const startedMs = performance.now()
    const response = await fetch(input, init)
    const { status, headers } = response
    exchanges.push({ startedMs, answeredMs: performance.now(), status, retryAfterMs: headers.get('retry-after-ms'), retryAfter: headers.get('retry-after') })
    return response
  }
}

/** Checks the 429's retry headers: whole seconds of at least 1, and the exact wait in ms that rounds up to them. */
function expectRetryHeaders(headers: Headers): number {
  const seconds = Number(headers.get('retry-after'))
  const waitMs = Number(headers.get('retry-after-ms'))
  expect(Number.isInteger(seconds)).toBe(true)
  expect(seconds).toBeGreaterThanOrEqual(1)
  expect(waitMs).toBeGreaterThan(0)
  expect(seconds).toBe(Math.max(1, Math.ceil(waitMs / 1000)))
  expect(headers.get('x-anvat-rpm-remaining')).toBe('0')
  return waitMs
}

/** Moves the gateway's clock so that an admission made now leaves the 60 s window `waitMs` of real time from now. */
function endWindowIn(waitMs: number) {
  clockOffsetMs += 60_000 - waitMs
}

/** Setting a timer for N ms can wake a millisecond early by a coarser clock; the SDK's wait is checked to this. */
const timerSlackMs = 5

describe('rpm 5 and no retries: five answers, then RateLimitError', () => {
  test('Anthropic SDK', async () => {
    const key = await limitedKey(gateway, { rpm: 5 })
    const client = new Anthropic({ baseURL: gateway.url, apiKey: key.key, maxRetries: 0 })
    const remaining: (string | null)[] = []
    for (let index = 0; index < 5; index++) {
      const { response } = await client.messages.create(messagesParams).withResponse()
      remaining.push(response.headers.get('x-anvat-rpm-remaining'))
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0'])
    const error = await client.messages.create(messagesParams).then(
      () => undefined,
      (thrown: unknown) => thrown,
    )
    expect(error).toBeInstanceOf(Anthropic.RateLimitError)
    const rateLimit = error as InstanceType<typeof Anthropic.RateLimitError>
    expect(rateLimit.status).toBe(429)
    expect(rateLimit.type).toBe('rate_limit_error')
    expect(rateLimit.message).toContain('this key allows 5 requests per minute')
    expect(expectRetryHeaders(rateLimit.headers)).toBeLessThanOrEqual(60_000)
    expect(upstream.received).toHaveLength(5)
  })

  test('OpenAI SDK', async () => {
    const key = await limitedKey(gateway, { rpm: 5 })
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key.key, maxRetries: 0 })
    for (let index = 0; index < 5; index++) {
      const { response } = await client.chat.completions.create(chatParams).withResponse()
      expect(response.headers.get('x-anvat-rpm-remaining')).toBe(String(4 - index))
    }
    const error = await client.chat.completions.create(chatParams).then(
      () => undefined,
      (thrown: unknown) => thrown,
    )
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>
    expect(rateLimit.status).toBe(429)
    expect(rateLimit.code).toBe('rate_limit_exceeded')
    expect(rateLimit.type).toBe('invalid_request_error')
    expect(rateLimit.message).toContain('this key allows 5 requests per minute')
    expectRetryHeaders(rateLimit.headers)
    expect(upstream.received).toHaveLength(5)
  })
})

describe('default retries: the SDK waits as our header says, then succeeds', () => {
  const waitMs = 1_500

  /** Checks the traffic: one answer, one 429 whose wait the SDK kept before its retry, and the retry answered. */
  function expectWaitedThenSucceeded(exchanges: Exchange[]) {
    expect(exchanges.map((exchange) => exchange.status)).toEqual([200, 429, 200])
    const [first, refused, retried] = exchanges as [Exchange, Exchange, Exchange]
    const advisedMs = Number(refused.retryAfterMs)
    // What is left of the window: the window ends `waitMs` after the first admission, and the refusal came between
    // `elapsedMinMs` and `elapsedMaxMs` after it, as measured here, however slow this machine was meanwhile.
    const elapsedMinMs = refused.startedMs - first.answeredMs
    const elapsedMaxMs = refused.answeredMs - first.startedMs
    expect(advisedMs).toBeGreaterThanOrEqual(waitMs - elapsedMaxMs - timerSlackMs)
    expect(advisedMs).toBeLessThanOrEqual(waitMs - elapsedMinMs + timerSlackMs)
    expect(refused.retryAfter).toBe('2')
    expect(retried.startedMs - refused.answeredMs).toBeGreaterThanOrEqual(advisedMs - timerSlackMs)
  }

  test('Anthropic SDK, streaming', async () => {
    const key = await limitedKey(gateway, { rpm: 1 })
    const exchanges: Exchange[] = []
    const client = new Anthropic({ baseURL: gateway.url, apiKey: key.key, fetch: timedFetch(exchanges) })
    expect((await client.messages.create(messagesParams)).type).toBe('message')
    endWindowIn(waitMs)
    const { items, thrown } = await drain(await client.messages.create({ ...messagesParams, stream: true }))
    expect(thrown).toBeUndefined()
    expect(items.at(-1)?.type).toBe('message_stop')
    expectWaitedThenSucceeded(exchanges)
  })

  test('OpenAI SDK', async () => {
    const key = await limitedKey(gateway, { rpm: 1 })
    const exchanges: Exchange[] = []
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key.key, fetch: timedFetch(exchanges) })
    expect((await client.chat.completions.create(chatParams)).object).toBe('chat.completion')
    endWindowIn(waitMs)
    const completion = await client.chat.completions.create(chatParams)
    expect(completion.choices[0]?.message.content).toBeTruthy()
    expectWaitedThenSucceeded(exchanges)
  })
})

describe('concurrency 2: three streams at once through the SDK, one RateLimitError', () => {
  test('Anthropic SDK', async () => {
    const key = await limitedKey(gateway, { concurrency: 2 })
    const fixture = await readFixture('upstream/anthropic/text.stream.sse')
    // Slow streams: every event 150 ms apart, so all three requests are in flight together.
    for (let index = 0; index < 3; index++) upstream.enqueue(sseReply(fixture, { chunkDelayMs: 150 }))
    const client = new Anthropic({ baseURL: gateway.url, apiKey: key.key, maxRetries: 0 })
    const outcomes = await Promise.all(
      Array.from({ length: 3 }, () =>
        client.messages
          .stream(messagesParams)
          .finalMessage()
          .then(
            () => 'answered',
            (error: unknown) => (error instanceof Anthropic.RateLimitError ? 'rate-limited' : String(error)),
          ),
      ),
    )
    expect(outcomes.sort()).toEqual(['answered', 'answered', 'rate-limited'])
    expect(gateway.gateway.limiters.concurrency.inFlight()).toBe(0)
  })
})
