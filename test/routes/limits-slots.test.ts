/**
 * No concurrency slot leaks: whatever ends a request (success, an upstream error, the client leaving, a cut stream,
 * an upstream that cannot be reached, a 402 or a spend refusal), `inFlight()` returns to 0 and the key, limited to one
 * request at a time, can make the next one. Each case first shows the slot was taken, so a missing acquire cannot pass.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eventually } from '../support/billing.ts'
import { sseReply } from '../support/fake-upstream.ts'
import { createUnreachableGateway, useRouteGateway, type TestGateway } from '../support/gateway.ts'
import { dialectNames, enqueueHangingStreams, enqueueServerError, limitedKey, limitHeaders, post, readEvents, streamFixture, type Dialect } from '../support/limits.ts'

const routeGateway = useRouteGateway()

/** Polls until no slot is taken, then shows the key (one at a time, unless told) can make another request. */
async function expectSlotsBack(key: TestGateway, dialect: Dialect = 'anthropic', concurrency = 1) {
  await eventually(() => key.gateway.limiters.concurrency.inFlight() === 0, 'every concurrency slot to be released')
  const next = await post(key, dialect)
  expect(next.status).toBe(200)
  expect(limitHeaders(next).concurrent).toBe(String(concurrency - 1))
  expect(key.gateway.limiters.concurrency.inFlight()).toBe(0)
}

const oneAtATime = () => limitedKey(routeGateway.gateway, { concurrency: 1 })

describe('after a success', () => {
  test.each(dialectNames.flatMap((dialect) => [false, true].map((stream) => [dialect, stream] as const)))('%s (stream: %p)', async (dialect, stream) => {
    const key = await oneAtATime()
    const response = await post(key, dialect, { stream })
    expect(response.status).toBe(200)
    expect(limitHeaders(response).concurrent).toBe('0')
    await response.text()
    await expectSlotsBack(key, dialect)
  })
})

describe('after an upstream error (500 JSON)', () => {
  test.each(dialectNames.flatMap((dialect) => [false, true].map((stream) => [dialect, stream] as const)))('%s (stream: %p)', async (dialect, stream) => {
    const key = await oneAtATime()
    enqueueServerError(routeGateway.upstream, dialect)
    const response = await post(key, dialect, { stream })
    expect(response.status).toBe(500)
    await response.text()
    await expectSlotsBack(key, dialect)
  })
})

describe('after the client leaves', () => {
  test.each(dialectNames)('%s: mid-stream, after content', async (dialect) => {
    const key = await oneAtATime()
    routeGateway.upstream.enqueue(sseReply(await streamFixture(dialect), { eventsMax: 4, hangAfterChunks: true }))
    const response = await post(key, dialect, { stream: true })
    const reader = await readEvents(response, 3)
    expect(key.gateway.limiters.concurrency.inFlight()).toBe(1)
    expect((await post(key, dialect)).status).toBe(429)
    await reader.cancel()
    await expectSlotsBack(key, dialect)
    await eventually(() => routeGateway.upstream.openStreams() === 0, 'the upstream stream to be closed')
  })

  test('before the upstream has answered at all', async () => {
    const key = await oneAtATime()
    // A streamed reply with no chunks never sends its status line: the request waits on the upstream.
    routeGateway.upstream.enqueue({ chunks: [], hangAfterChunks: true })
    const abort = new AbortController()
    const pending = post(key, 'anthropic', { stream: true, signal: abort.signal })
    await eventually(() => routeGateway.upstream.received.length === 1, 'the request to reach the upstream')
    expect(key.gateway.limiters.concurrency.inFlight()).toBe(1)
    abort.abort()
    await pending.then((response) => response.text()).catch(() => undefined)
    await expectSlotsBack(key)
  })
})

describe('after a cut stream (connection reset)', () => {
  test.each(dialectNames)('%s', async (dialect) => {
    const key = await oneAtATime()
    routeGateway.upstream.enqueue(sseReply(await streamFixture(dialect), { eventsMax: 3, resetAfterChunks: true }))
    const response = await post(key, dialect, { stream: true })
    expect(response.status).toBe(200)
    expect(key.gateway.limiters.concurrency.inFlight()).toBe(1)
    await response.text()
    await expectSlotsBack(key, dialect)
  })

  test('before the response starts', async () => {
    const key = await oneAtATime()
    routeGateway.upstream.enqueue({ chunks: [], resetAfterChunks: true })
    expect((await post(key, 'anthropic', { stream: true })).status).toBe(502)
    await expectSlotsBack(key)
  })
})

describe('after refusals before dispatch', () => {
  test('402: no credit', async () => {
    const key = await limitedKey(routeGateway.gateway, { concurrency: 1, creditMicros: 0 })
    for (let attempt = 0; attempt < 3; attempt++) expect((await post(key, 'chat')).status).toBe(402)
    await eventually(() => key.gateway.limiters.concurrency.inFlight() === 0, 'every concurrency slot to be released')
    expect(key.gateway.limiters.concurrency.remaining(key.keyId, 1)).toBe(1)
  })

  test('429: the spend cap', async () => {
    const key = await limitedKey(routeGateway.gateway, { concurrency: 1, windowSpendMicros: 100_000 })
    for (let attempt = 0; attempt < 3; attempt++) expect((await post(key, 'responses', { outputTokensMax: 10_000 })).status).toBe(429)
    await expectSlotsBack(key, 'responses')
  })

  test('many requests at once, each ending its own way', async () => {
    const key = await limitedKey(routeGateway.gateway, { concurrency: 50 })
    const fixture = await streamFixture('anthropic')
    enqueueServerError(routeGateway.upstream, 'anthropic')
    routeGateway.upstream.enqueue(sseReply(fixture, { eventsMax: 3, resetAfterChunks: true }))
    await enqueueHangingStreams(routeGateway.upstream, 'anthropic', 1)
    const responses = await Promise.all(Array.from({ length: 12 }, (_, index) => post(key, 'anthropic', { stream: index < 6 })))
    expect(responses.every((response) => [200, 500].includes(response.status))).toBe(true)
    expect(key.gateway.limiters.concurrency.inFlight()).toBeGreaterThan(0)
    // Read or leave each: the hanging one must be left for the test to end.
    await Promise.all(responses.map(async (response) => (response.headers.get('content-type')?.startsWith('text/event-stream') ? (await readEvents(response, 1)).cancel() : response.text())))
    await expectSlotsBack(key, 'anthropic', 50)
  })
})

describe('after an upstream that cannot be reached', () => {
  let unreachable: TestGateway
  beforeAll(async () => {
    unreachable = await createUnreachableGateway()
  })
  afterAll(() => unreachable.close())

  test.each(dialectNames)('%s', async (dialect) => {
    const key = await limitedKey(unreachable, { concurrency: 1 })
    for (const stream of [false, true]) expect((await post(key, dialect, { stream })).status).toBe(502)
    await eventually(() => unreachable.gateway.limiters.concurrency.inFlight() === 0, 'every concurrency slot to be released')
    expect(unreachable.gateway.limiters.concurrency.remaining(key.keyId, 1)).toBe(1)
  })
})
