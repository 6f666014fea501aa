/**
 * Request rate and concurrency per key, through the routes, on a fake clock: the remaining-limit headers on every
 * success (streamed or whole, in all three POST endpoints), 429s in the caller's dialect with retry-after from the
 * window, refused requests consuming no rate and costing nothing, and concurrency counting streams until they end.
 */
import { beforeEach, describe, expect, test } from 'bun:test'
import { parseUsdToMicros } from '../../src/core/money.ts'
import { balanceMicros, costMicrosOf, entriesOf, eventually, holdMicros, requestIdOf } from '../support/billing.ts'
import { createFakeClock } from '../support/clock.ts'
import { useRouteGateway, type TestGateway } from '../support/gateway.ts'
import { dialectNames, enqueueHangingStreams, limitedKey, limitHeaders, openHoldsMicros, post, readEvents, type Dialect } from '../support/limits.ts'

const clock = createFakeClock()
const routeGateway = useRouteGateway({ now: clock.now })
let gateway: TestGateway
beforeEach(() => {
  gateway = routeGateway.gateway
})

/** Asserts a refused request cost nothing: balance as before, no entry of its own, no hold left on the account. */
async function expectFree(key: TestGateway, refused: Response, balanceBefore: number) {
  expect(await entriesOf(key, requestIdOf(refused))).toEqual([])
  expect(await openHoldsMicros(key)).toBe(0)
  expect(await balanceMicros(key)).toBe(balanceBefore)
}

describe('headers on successes', () => {
  const cases = dialectNames.flatMap((dialect) => [false, true].map((stream) => [dialect, stream] as const))

  test.each(cases)('%s (stream: %p) without limits: all three say unlimited', async (dialect, stream) => {
    const response = await post(gateway, dialect, { stream })
    expect(response.status).toBe(200)
    expect(limitHeaders(response)).toEqual({ rpm: 'unlimited', concurrent: 'unlimited', spendUsd: 'unlimited' })
    await response.text()
  })

  test('with limits, rpm and spend count down across all three endpoints, streamed and whole', async () => {
    const capMicros = 1_000_000
    const key = await limitedKey(gateway, { rpm: 10, concurrency: 3, windowSpendMicros: capMicros })
    const creditMicros = await balanceMicros(key)
    let count = 0
    for (const [dialect, stream] of cases) {
      count += 1
      const settledMicros = creditMicros - (await balanceMicros(key))
      const response = await post(key, dialect, { stream })
      expect(response.status).toBe(200)
      const headers = limitHeaders(response)
      await response.text()
      // Its own slot is still taken when the headers are written; its own hold counts against the window.
      const ownHoldMicros = (await holdMicros(key, requestIdOf(response)))!
      expect(headers).toMatchObject({ rpm: String(10 - count), concurrent: '2' })
      expect(parseUsdToMicros(headers.spendUsd)).toBe(capMicros - settledMicros - ownHoldMicros)
      await key.ledger.flush()
    }
    expect(creditMicros - (await balanceMicros(key))).toBeGreaterThan(0)
  })

  test('count_tokens is admitted and counted like any model call', async () => {
    const key = await limitedKey(gateway, { rpm: 3 })
    const body = JSON.stringify({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }] })
    const response = await key.handle('/v1/messages/count_tokens', { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    expect(response.status).toBe(200)
    expect(limitHeaders(response)).toEqual({ rpm: '2', concurrent: 'unlimited', spendUsd: 'unlimited' })
  })
})

describe('rpm 5: exactly five successes, then a 429 in the caller’s dialect', () => {
  const bodies: Record<Dialect, (message: string) => unknown> = {
    anthropic: (message) => ({ type: 'error', error: { type: 'rate_limit_error', message } }),
    chat: (message) => ({ error: { message, type: 'invalid_request_error', param: null, code: 'rate_limit_exceeded' } }),
    responses: (message) => ({ error: { message, type: 'invalid_request_error', param: null, code: 'rate_limit_exceeded' } }),
  }

  test.each(dialectNames)('%s', async (dialect) => {
    const key = await limitedKey(gateway, { rpm: 5, concurrency: 4 })
    const startMs = clock.now()
    const statuses: number[] = []
    for (let index = 0; index < 5; index++) {
      const response = await post(key, dialect)
      statuses.push(response.status)
      expect(limitHeaders(response).rpm).toBe(String(4 - index))
      clock.advance(1_000)
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200])

    clock.advance(5_000)
    const balanceBefore = await balanceMicros(key)
    const refused = await post(key, dialect)
    expect(refused.status).toBe(429)
    const message = 'Rate limit exceeded: this key allows 5 requests per minute (rpm).'
    expect(await refused.clone().json()).toMatchObject(bodies[dialect](message) as object)
    // The oldest admission (at the start) leaves 60 s after it: 50 s from now.
    expect(refused.headers.get('retry-after-ms')).toBe('50000')
    expect(refused.headers.get('retry-after')).toBe('50')
    expect(limitHeaders(refused)).toEqual({ rpm: '0', concurrent: '4', spendUsd: 'unlimited' })
    await expectFree(key, refused, balanceBefore)

    // A millisecond early is still too early; at 60 s the first slot is back, and only that one.
    clock.advance(startMs + 60_000 - 1 - clock.now())
    const early = await post(key, dialect)
    expect(early.status).toBe(429)
    expect(early.headers.get('retry-after-ms')).toBe('1')
    expect(early.headers.get('retry-after')).toBe('1')
    clock.advance(1)
    const refilled = await post(key, dialect, { stream: true })
    expect(refilled.status).toBe(200)
    expect(limitHeaders(refilled).rpm).toBe('0')
    await refilled.text()
    expect((await post(key, dialect)).status).toBe(429)
  })
})

describe('refused requests consume no rate', () => {
  test('402 (no credit): the rate is untouched, so a top-up gets the full rpm', async () => {
    const key = await limitedKey(gateway, { rpm: 2, creditMicros: 0 })
    for (let attempt = 0; attempt < 3; attempt++) expect((await post(key, 'anthropic')).status).toBe(402)
    expect(gateway.gateway.limiters.requestsRemaining(key.keyId, 2)).toBe(2)
    await key.ledger.credit({ id: `${key.keyId}:top-up`, accountId: key.accountId, kind: 'top-up', amountMicros: 10_000_000, note: null })
    const rpmLeft: string[] = []
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await post(key, 'anthropic')
      expect(response.status).toBe(200)
      rpmLeft.push(limitHeaders(response).rpm)
    }
    expect(rpmLeft).toEqual(['1', '0'])
    expect((await post(key, 'anthropic')).status).toBe(429)
  })

  test('429 by the spend cap: the rate is untouched, and the refusal costs nothing', async () => {
    // A 1,000-token output limit holds over 15,000 µ$: more than the cap. A 100-token one holds about 1,500.
    const key = await limitedKey(gateway, { rpm: 2, concurrency: 1, windowSpendMicros: 10_000 })
    const balanceBefore = await balanceMicros(key)
    for (let attempt = 0; attempt < 3; attempt++) {
      const refused = await post(key, 'chat', { outputTokensMax: 1_000 })
      expect(refused.status).toBe(429)
      expect(((await refused.clone().json()) as { error: { message: string } }).error.message).toStartWith('Spend limit exceeded')
      // What is left after the refusal: its rate admission and slot were taken back.
      expect(limitHeaders(refused)).toMatchObject({ rpm: '2', concurrent: '1' })
      await expectFree(key, refused, balanceBefore)
    }
    const admitted = await post(key, 'chat', { outputTokensMax: 100 })
    expect(admitted.status).toBe(200)
    expect(limitHeaders(admitted).rpm).toBe('1')
  })

  test('429 by concurrency: the rate admission is taken back', async () => {
    const key = await limitedKey(gateway, { rpm: 3, concurrency: 1 })
    await enqueueHangingStreams(routeGateway.upstream, 'anthropic', 1)
    const open = await post(key, 'anthropic', { stream: true })
    const reader = await readEvents(open, 1)
    const refused = await post(key, 'anthropic')
    expect(refused.status).toBe(429)
    expect(limitHeaders(refused)).toEqual({ rpm: '2', concurrent: '0', spendUsd: 'unlimited' })
    await reader.cancel()
    await eventually(() => gateway.gateway.limiters.concurrency.inFlight() === 0, 'the stream’s slot to come back')
    const rpmLeft: string[] = []
    for (let attempt = 0; attempt < 2; attempt++) rpmLeft.push(limitHeaders(await post(key, 'anthropic')).rpm)
    expect(rpmLeft).toEqual(['1', '0'])
  })
})

describe('concurrency 2 with three slow streams', () => {
  test.each(dialectNames)('%s: exactly one 429, retry-after 1 s, and the slots come back when the streams end', async (dialect) => {
    const key = await limitedKey(gateway, { concurrency: 2 })
    await enqueueHangingStreams(routeGateway.upstream, dialect, 2)
    const balanceBefore = await balanceMicros(key)
    const responses = await Promise.all([0, 1, 2].map(() => post(key, dialect, { stream: true })))
    expect(responses.map((response) => response.status).sort()).toEqual([200, 200, 429])
    const refused = responses.find((response) => response.status === 429)!
    const body = JSON.stringify(await refused.clone().json())
    expect(body).toContain('Concurrency limit exceeded: this key allows 2 requests in flight at once.')
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(refused.headers.get('retry-after-ms')).toBe('1000')
    expect(limitHeaders(refused)).toEqual({ rpm: 'unlimited', concurrent: '0', spendUsd: 'unlimited' })
    expect(await entriesOf(key, requestIdOf(refused))).toEqual([])
    expect(routeGateway.upstream.received).toHaveLength(2)

    const streams = responses.filter((response) => response.status === 200)
    // Headers say what is left as each answer starts: both slots are taken by then.
    expect(streams.map((response) => limitHeaders(response).concurrent)).toEqual(['0', '0'])
    const readers = await Promise.all(streams.map((response) => readEvents(response, 1)))
    expect(gateway.gateway.limiters.concurrency.remaining(key.keyId, 2)).toBe(0)
    await Promise.all(readers.map((reader) => reader.cancel()))
    await eventually(() => gateway.gateway.limiters.concurrency.remaining(key.keyId, 2) === 2, 'both slots to come back')
    // Left before any content: the two streams cost nothing either.
    await eventually(async () => (await openHoldsMicros(key)) === 0, 'the holds to be released')
    expect(await balanceMicros(key)).toBe(balanceBefore)
    const after = await post(key, dialect)
    expect(after.status).toBe(200)
    expect(costMicrosOf(after.headers.get('x-anvat-cost-usd'))).toBeGreaterThan(0)
  })
})
