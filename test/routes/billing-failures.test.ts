/**
 * What a failed request costs (WIRE.md §4, the outcome table): nothing when the upstream refuses, cannot be reached or
 * fails before any content; after content, only the tokens produced (the last cumulative output figure, else ⌈chars
 * / 4⌉ of the text delivered), flagged partial and never more than the hold. Each case checks the balance, the hold's
 * fate and the usage record. Prices are the test catalog's: input 3, output 15, cache read 0.3 µ$ per token.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { balanceMicros, costMicrosOf, entriesOf, eventually, holdMicros, inputEstimateOf, isHeld, requestIdOf, usageRecordOf } from '../support/billing.ts'
import { jsonReply, sseReply, type FakeReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { createUnreachableGateway, useRouteGateway, type TestGateway } from '../support/gateway.ts'
import { splitCostTrailer } from '../support/sdk-traffic.ts'

const routeGateway = useRouteGateway()
let anthropicText: string
beforeAll(async () => {
  anthropicText = await readFixture('upstream/anthropic/text.stream.sse')
})

const messagesBody = (extra: object = {}) => JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }], ...extra })
const chatBody = (extra: object = {}) => JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'Hi' }], ...extra })
const responsesBody = (extra: object = {}) => JSON.stringify({ model: 'gpt-5-mini', input: 'Hi', ...extra })

const paths = { anthropic: '/v1/messages', chat: '/v1/chat/completions', responses: '/v1/responses' } as const

function post(path: string, body: string, init: RequestInit = {}, gateway: TestGateway = routeGateway.gateway) {
  return gateway.handle(path, { ...init, method: 'POST', body, headers: { 'content-type': 'application/json' } })
}

/** The first `count` events of an SSE text, byte for byte. */
function firstEvents(text: string, count: number): string {
  return text.split(/(?<=\n\n)/).slice(0, count).join('')
}

/** Asserts a request cost nothing: the balance is back where it was, the hold released in full, the record at 0. */
async function expectFree(gateway: TestGateway, requestId: string, balanceBefore: number, record: { status: number; outcome: string }) {
  expect(await balanceMicros(gateway)).toBe(balanceBefore)
  const stored = await usageRecordOf(gateway, requestId)
  expect(stored).toMatchObject({ ...record, cost_micros: 0, partial: 0 })
  const hold = (await holdMicros(gateway, requestId))!
  expect(hold).toBeGreaterThan(0)
  expect(await entriesOf(gateway, requestId)).toEqual([`release ${hold}`, `reserve ${-hold}`])
  expect(await isHeld(gateway, requestId)).toBe(false)
}

/** Asserts a partial charge: exactly `costMicros` off the balance, within the hold, recorded as partial. */
async function expectPartial(requestId: string, balanceBefore: number, costMicros: number, outcome: string) {
  const gateway = routeGateway.gateway
  const hold = (await holdMicros(gateway, requestId))!
  expect(costMicros).toBeGreaterThan(0)
  expect(costMicros).toBeLessThanOrEqual(hold)
  expect(balanceBefore - (await balanceMicros(gateway))).toBe(costMicros)
  expect(await usageRecordOf(gateway, requestId)).toMatchObject({ status: 200, outcome, cost_micros: costMicros, partial: 1 })
  expect(await isHeld(gateway, requestId)).toBe(false)
}

describe('upstream refusals cost nothing; the record keeps their status', () => {
  const anthropicError = (type: string) => JSON.stringify({ type: 'error', error: { type, message: `upstream says ${type}` } })
  const openaiError = (type: string) => JSON.stringify({ error: { message: `upstream says ${type}`, type, param: null, code: null } })
  const cases: Array<[keyof typeof paths, number, string]> = [
    ['anthropic', 500, anthropicError('api_error')],
    ['anthropic', 529, anthropicError('overloaded_error')],
    ['anthropic', 429, anthropicError('rate_limit_error')],
    ['anthropic', 400, anthropicError('invalid_request_error')],
    ['chat', 500, openaiError('server_error')],
    ['chat', 503, openaiError('server_error')],
    ['chat', 429, openaiError('requests')],
    ['chat', 400, openaiError('invalid_request_error')],
    ['responses', 500, openaiError('server_error')],
    ['responses', 429, openaiError('requests')],
  ]
  test.each(cases)('%s: upstream %d', async (dialect, status, body) => {
    const before = await balanceMicros(routeGateway.gateway)
    routeGateway.upstream.enqueue(jsonReply(body, status))
    const requestBody = dialect === 'anthropic' ? messagesBody({ stream: true }) : dialect === 'chat' ? chatBody() : responsesBody({ stream: true })
    const response = await post(paths[dialect], requestBody)
    expect(response.status).toBe(status)
    expect(await response.text()).toBe(body)
    expect(response.headers.get('x-anvat-cost-usd')).toBeNull()
    await expectFree(routeGateway.gateway, requestIdOf(response), before, { status, outcome: 'upstream-error' })
  })

  test('an upstream answer outside the dialect (an HTML 502 from a proxy) costs nothing', async () => {
    const before = await balanceMicros(routeGateway.gateway)
    routeGateway.upstream.enqueue({ status: 502, body: '<html>Bad Gateway</html>', headers: { 'content-type': 'text/html' } })
    const response = await post(paths.anthropic, messagesBody())
    expect(response.status).toBe(502)
    await expectFree(routeGateway.gateway, requestIdOf(response), before, { status: 502, outcome: 'upstream-error' })
  })
})

describe('an upstream that cannot be reached costs nothing', () => {
  let unreachable: TestGateway
  beforeAll(async () => {
    unreachable = await createUnreachableGateway()
  })
  afterAll(() => unreachable.close())

  test.each(['anthropic', 'chat'] as const)('%s: connection refused', async (dialect) => {
    const before = await balanceMicros(unreachable)
    const response = await post(paths[dialect], dialect === 'anthropic' ? messagesBody({ stream: true }) : chatBody({ stream: true }), {}, unreachable)
    expect(response.status).toBe(502)
    await expectFree(unreachable, requestIdOf(response), before, { status: 502, outcome: 'failed' })
  })

  test('a connection reset before the response starts', async () => {
    const before = await balanceMicros(routeGateway.gateway)
    routeGateway.upstream.enqueue({ chunks: [], resetAfterChunks: true })
    const response = await post(paths.anthropic, messagesBody({ stream: true }))
    expect(response.status).toBe(502)
    await expectFree(routeGateway.gateway, requestIdOf(response), before, { status: 502, outcome: 'failed' })
  })
})

describe('streams that fail before any content cost nothing', () => {
  const cases: Array<[string, keyof typeof paths, () => Promise<FakeReply>, string]> = [
    ['Anthropic: reset after message_start', 'anthropic', async () => sseReply(anthropicText, { eventsMax: 1, resetAfterChunks: true }), 'cut'],
    ['Anthropic: clean end after message_start and a ping', 'anthropic', async () => sseReply(firstEvents(anthropicText, 1) + 'event: ping\ndata: {"type":"ping"}\n\n'), 'cut'],
    [
      'Anthropic: an in-band overloaded error right after message_start',
      'anthropic',
      async () => sseReply(firstEvents(anthropicText, 1) + 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'),
      'upstream-error',
    ],
    ['Chat: reset after the role chunk', 'chat', async () => sseReply(await readFixture('upstream/openai-chat/text.stream.sse'), { eventsMax: 1, resetAfterChunks: true }), 'cut'],
    [
      'Responses: response.failed with usage, before any output',
      'responses',
      async () => {
        const events = (await readFixture('upstream/openai-responses/text.stream.sse')).split(/(?<=\n\n)/)
        const response = { id: 'resp_x', object: 'response', status: 'failed', error: { code: 'server_error', message: 'failed' }, output: [], usage: { input_tokens: 11, output_tokens: 0 } }
        const failed = { type: 'response.failed', sequence_number: 2, response }
        return sseReply(`${events.slice(0, 2).join('')}event: response.failed\ndata: ${JSON.stringify(failed)}\n\n`)
      },
      'upstream-error',
    ],
  ]
  test.each(cases)('%s', async (_name, dialect, reply, outcome) => {
    const before = await balanceMicros(routeGateway.gateway)
    routeGateway.upstream.enqueue(await reply())
    const body = dialect === 'anthropic' ? messagesBody({ stream: true }) : dialect === 'chat' ? chatBody({ stream: true }) : responsesBody({ stream: true })
    const response = await post(paths[dialect], body)
    expect(response.status).toBe(200)
    expect(splitCostTrailer(await response.text()).costUsd).toBe('0')
    await expectFree(routeGateway.gateway, requestIdOf(response), before, { status: 200, outcome })
  })
})

describe('streams cut after content: billed for what was produced, partial, within the hold', () => {
  test('Anthropic reset after two text deltas: 14·3 + 2077·0.3 + ⌈29 chars / 4⌉·15 = 785.1 → 786 µ$', async () => {
    const before = await balanceMicros(routeGateway.gateway)
    routeGateway.upstream.enqueue(sseReply(anthropicText, { eventsMax: 5, resetAfterChunks: true }))
    const response = await post(paths.anthropic, messagesBody({ stream: true }))
    const { relayed, costUsd } = splitCostTrailer(await response.text())
    expect(relayed.startsWith(firstEvents(anthropicText, 5))).toBe(true)
    expect(relayed.slice(firstEvents(anthropicText, 5).length)).toMatch(/^event: error\n/)
    expect(costMicrosOf(costUsd)).toBe(786)
    await expectPartial(requestIdOf(response), before, 786, 'cut')
    expect(await usageRecordOf(routeGateway.gateway, requestIdOf(response))).toMatchObject({ output_tokens: 8, cache_read_tokens: 2077, estimated: 1 })
  })

  test('Anthropic cut after message_delta: the cumulative 19 output tokens, not the text estimate (14·3 + 2077·0.3 + 19·15 → 951 µ$)', async () => {
    const before = await balanceMicros(routeGateway.gateway)
    routeGateway.upstream.enqueue(sseReply(anthropicText, { eventsMax: 9, resetAfterChunks: true }))
    const response = await post(paths.anthropic, messagesBody({ stream: true }))
    expect(costMicrosOf(splitCostTrailer(await response.text()).costUsd)).toBe(951)
    await expectPartial(requestIdOf(response), before, 951, 'cut')
    expect(await usageRecordOf(routeGateway.gateway, requestIdOf(response))).toMatchObject({ output_tokens: 19, estimated: 0 })
  })

  test('Anthropic in-band error after two deltas: 26·3 + ⌈24 chars / 4⌉·15 = 168 µ$, partial', async () => {
    const before = await balanceMicros(routeGateway.gateway)
    routeGateway.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/error-midstream.stream.sse')))
    const response = await post(paths.anthropic, messagesBody({ stream: true }))
    expect(costMicrosOf(splitCostTrailer(await response.text()).costUsd)).toBe(168)
    await expectPartial(requestIdOf(response), before, 168, 'upstream-error')
  })

  test('Chat stream ending without [DONE] or usage: the input estimate·3 + ⌈31 chars / 4⌉·15', async () => {
    const before = await balanceMicros(routeGateway.gateway)
    const body = chatBody({ stream: true })
    routeGateway.upstream.enqueue(sseReply(await readFixture('upstream/openai-chat/cut.stream.sse')))
    const response = await post(paths.chat, body)
    const { tokens: inputTokens } = await inputEstimateOf('chat-completions', body, { upstreamModel: 'gpt-5-mini', o200k: true })
    const expectedMicros = inputTokens * 3 + 8 * 15
    expect(costMicrosOf(splitCostTrailer(await response.text()).costUsd)).toBe(expectedMicros)
    await expectPartial(requestIdOf(response), before, expectedMicros, 'cut')
    expect(await usageRecordOf(routeGateway.gateway, requestIdOf(response))).toMatchObject({ input_tokens: inputTokens, output_tokens: 8, estimated: 1 })
  })

  test('a cut whose reported usage is worth more than the hold is charged the hold, no more', async () => {
    const before = await balanceMicros(routeGateway.gateway)
    const inflated = anthropicText.replace('"input_tokens":14,', '"input_tokens":1000000,')
    routeGateway.upstream.enqueue(sseReply(inflated, { eventsMax: 5, resetAfterChunks: true }))
    const response = await post(paths.anthropic, messagesBody({ stream: true, max_tokens: 50 }))
    const costMicros = costMicrosOf(splitCostTrailer(await response.text()).costUsd)
    const requestId = requestIdOf(response)
    expect(costMicros).toBe((await holdMicros(routeGateway.gateway, requestId))!)
    await expectPartial(requestId, before, costMicros, 'cut')
  })
})

describe('translated streams that stop short are recorded as cuts, as passthrough ones are', () => {
  // The decoders end input that stops short with an error event of their own; that is not an upstream error.
  const cases: Array<[string, string, () => string]> = [
    ['Chat client, Claude model: the stream ends mid-text', paths.chat, () => chatBody({ model: 'claude-sonnet-4-6', stream: true })],
    ['Anthropic client, GPT model: the stream ends mid-text', paths.anthropic, () => messagesBody({ model: 'gpt-5-mini', stream: true })],
  ]
  test.each(cases)('%s', async (_name, path, body) => {
    const upstream = path === paths.chat ? 'anthropic' : 'openai-chat'
    routeGateway.upstream.enqueue(sseReply(await readFixture(`upstream/${upstream}/cut.stream.sse`)))
    const response = await post(path, body())
    const { relayed } = splitCostTrailer(await response.text())
    expect(relayed).toContain(path === paths.chat ? 'data: {"error":' : 'event: error')
    expect(await usageRecordOf(routeGateway.gateway, requestIdOf(response))).toMatchObject({ status: 200, outcome: 'cut', partial: 1 })
  })
})

describe('the client leaving mid-stream', () => {
  /** Starts a stream on a hanging upstream, reads `eventsWanted` events, then cancels the body as a client would. */
  async function leaveAfter(reply: FakeReply, eventsWanted: number) {
    const before = await balanceMicros(routeGateway.gateway)
    routeGateway.upstream.enqueue(reply)
    const response = await post(paths.anthropic, messagesBody({ stream: true, max_tokens: 50 }))
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    while (text.split('\n\n').length - 1 < eventsWanted) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`stream ended early: ${text}`)
      text += decoder.decode(value, { stream: true })
    }
    expect(routeGateway.upstream.openStreams()).toBe(1)
    await reader.cancel()
    return { before, requestId: requestIdOf(response), text }
  }

  test('after two text deltas: charged for what was delivered (786 µ$), partial, and the upstream is closed', async () => {
    const { before, requestId, text } = await leaveAfter(sseReply(anthropicText, { eventsMax: 5, hangAfterChunks: true }), 5)
    expect(text).toBe(firstEvents(anthropicText, 5))
    expect((await usageRecordOf(routeGateway.gateway, requestId)).cost_micros).toBe(786)
    await expectPartial(requestId, before, 786, 'client-aborted')
    await eventually(() => routeGateway.upstream.openStreams() === 0, 'the upstream stream to close after the client left')
  })

  test('before any content: charged nothing', async () => {
    const { before, requestId } = await leaveAfter(sseReply(anthropicText, { eventsMax: 1, hangAfterChunks: true }), 1)
    await expectFree(routeGateway.gateway, requestId, before, { status: 200, outcome: 'client-aborted' })
  })

  test('usage worth more than the hold: charged the hold, no more', async () => {
    const inflated = anthropicText.replace('"input_tokens":14,', '"input_tokens":1000000,')
    const { before, requestId } = await leaveAfter(sseReply(inflated, { eventsMax: 5, hangAfterChunks: true }), 5)
    const hold = (await holdMicros(routeGateway.gateway, requestId))!
    expect((await usageRecordOf(routeGateway.gateway, requestId)).cost_micros).toBe(hold)
    await expectPartial(requestId, before, hold, 'client-aborted')
  })
})
