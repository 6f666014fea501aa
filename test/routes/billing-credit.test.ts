/**
 * Prepaid credit at the door: a key that cannot pay for its input and 16 output tokens gets 402 and nothing goes
 * upstream; a key that cannot pay for the output limit it asked gets the limit lowered to what it can pay, in the
 * field its dialect uses; and however many requests race on one key, the holds never exceed the credit and the
 * balance drops by exactly the costs reported.
 *
 * The hold prices input at the dearest input rate (the test catalog's cache write, 3.75 µ$ per token) and output at
 * 15 µ$ per token, so with C µ$ of credit and an input estimate of E tokens the affordable output is
 * ⌊(C − 3.75·E) / 15⌋ tokens.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { balanceMicros, costMicrosOf, holdMicros, inputEstimateOf, requestIdOf } from '../support/billing.ts'
import { jsonReply, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { createTestGateway, type TestGateway } from '../support/gateway.ts'
import type { Operation } from '../../src/core/dialect.ts'

const claudeTarget = { upstreamModel: 'claude-sonnet-4-6', o200k: false }
const gptTarget = { upstreamModel: 'gpt-5-mini', o200k: true }
const operationOf: Record<string, Operation> = { '/v1/messages': 'messages', '/v1/chat/completions': 'chat-completions', '/v1/responses': 'responses' }

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.stop())

/** Runs `body` against a fresh gateway whose key holds `creditMicros`, with the upstream's record cleared. */
async function withCredit(creditMicros: number, body: (gateway: TestGateway) => Promise<void>): Promise<void> {
  upstream.clear()
  const gateway = await createTestGateway(upstream, { creditMicros })
  try {
    await body(gateway)
  } finally {
    await gateway.close()
  }
}

const post = (gateway: TestGateway, path: string, body: string) =>
  gateway.handle(path, { method: 'POST', body, headers: { 'content-type': 'application/json' } })

/** A whole Messages answer reporting `usage`, for tests that need a cost well inside a small hold. */
function answerWithUsage(usage: { input_tokens: number; output_tokens: number }): string {
  const content = [{ type: 'text', text: 'ok' }]
  return JSON.stringify({ id: 'msg_x', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content, stop_reason: 'end_turn', stop_sequence: null, usage })
}

/** Output tokens `creditMicros` pays for after an input estimate of `inputTokens`, worked out as the header says. */
function affordableOutputTokens(creditMicros: number, inputTokens: number): number {
  return Math.floor((creditMicros * 1_000_000 - inputTokens * 3_750_000) / 15_000_000)
}

describe('402 when the balance cannot pay for the input and 16 output tokens', () => {
  test('an empty balance: Anthropic billing_error, OpenAI insufficient_quota, and nothing reaches the upstream', async () => {
    await withCredit(0, async (gateway) => {
      const anthropic = await post(gateway, '/v1/messages', JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }))
      expect(anthropic.status).toBe(402)
      expect(anthropic.headers.get('x-should-retry')).toBe('false')
      const anthropicBody = (await anthropic.json()) as { type: string; error: { type: string; message: string }; request_id: string }
      expect(anthropicBody).toEqual({ type: 'error', error: { type: 'billing_error', message: expect.stringMatching(/^Insufficient credit/) }, request_id: requestIdOf(anthropic) })

      for (const [path, body] of [
        ['/v1/chat/completions', { model: 'gpt-5-mini', stream: true, messages: [{ role: 'user', content: 'Hi' }] }],
        ['/v1/responses', { model: 'gpt-5-mini', input: 'Hi' }],
      ] as const) {
        const response = await post(gateway, path, JSON.stringify(body))
        expect(response.status).toBe(402)
        expect((await response.json()) as object).toEqual({
          error: { type: 'insufficient_quota', code: 'insufficient_quota', param: null, message: expect.stringMatching(/^Insufficient credit/) },
        })
      }
      expect(upstream.received).toHaveLength(0)
      expect(await balanceMicros(gateway)).toBe(0)
      const holds = await gateway.connection.client.query({ sql: "SELECT 1 FROM ledger_entries WHERE kind = 'reserve'", args: [] })
      expect(holds).toHaveLength(0)
    })
  })

  test('count_tokens still answers with an empty balance: it is free', async () => {
    await withCredit(0, async (gateway) => {
      const response = await post(gateway, '/v1/messages/count_tokens', JSON.stringify({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }] }))
      expect(response.status).toBe(200)
      expect((await response.json()) as object).toEqual({ input_tokens: 2095 })
      expect(upstream.received).toHaveLength(1)
    })
  })

  test('the edge: exactly the input and 16 tokens is served with the limit lowered to 16; one µ$ less is refused', async () => {
    const body = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 4096, messages: [{ role: 'user', content: 'Hi' }] })
    const { reservationTokens } = await inputEstimateOf('messages', body, claudeTarget)
    const edgeMicros = Math.ceil((reservationTokens * 3_750_000 + 16 * 15_000_000) / 1_000_000)
    await withCredit(edgeMicros, async (gateway) => {
      upstream.enqueue(jsonReply(answerWithUsage({ input_tokens: 10, output_tokens: 2 })))
      const response = await post(gateway, '/v1/messages', body)
      expect(response.status).toBe(200)
      expect(response.headers.get('x-anvat-max-tokens-lowered')).toBe('16')
      expect(JSON.parse(upstream.received[0]!.bodyText).max_tokens).toBe(16)
      expect(await holdMicros(gateway, requestIdOf(response))).toBe(edgeMicros)
      expect(edgeMicros - (await balanceMicros(gateway))).toBe(10 * 3 + 2 * 15)
    })
    await withCredit(edgeMicros - 1, async (gateway) => {
      expect((await post(gateway, '/v1/messages', body)).status).toBe(402)
      expect(upstream.received).toHaveLength(0)
      expect(await balanceMicros(gateway)).toBe(edgeMicros - 1)
    })
  })
})

describe('an output limit the credit cannot cover is lowered in the upstream body and announced', () => {
  const creditMicros = 10_000
  const cases = [
    {
      name: 'Anthropic max_tokens',
      path: '/v1/messages',
      body: '{"model":"claude-sonnet-4-6","max_tokens":100000,"messages":[{"role":"user","content":"Hi"}]}',
      lowered: (tokens: number) => `{"model":"claude-sonnet-4-6","max_tokens":${tokens},"messages":[{"role":"user","content":"Hi"}]}`,
      answer: 'upstream/anthropic/text.response.json',
      costMicros: 8116, // 14·3 + 2077·3.75 + 19·15, rounded up
    },
    {
      name: 'Chat max_completion_tokens',
      path: '/v1/chat/completions',
      body: '{"model":"gpt-5-mini","max_completion_tokens":100000,"messages":[{"role":"user","content":"Hi"}]}',
      lowered: (tokens: number) => `{"model":"gpt-5-mini","max_completion_tokens":${tokens},"messages":[{"role":"user","content":"Hi"}]}`,
      answer: 'upstream/openai-chat/text.response.json',
      costMicros: 1206, // 12·3 + 78·15
    },
    {
      name: 'Chat with no limit of its own (the model default is reserved, then lowered into max_completion_tokens)',
      path: '/v1/chat/completions',
      body: '{"model":"gpt-5-mini","messages":[{"role":"user","content":"Hi"}]}',
      lowered: (tokens: number) => `{"max_completion_tokens":${tokens},"model":"gpt-5-mini","messages":[{"role":"user","content":"Hi"}]}`,
      answer: 'upstream/openai-chat/text.response.json',
      costMicros: 1206,
    },
    {
      name: 'Responses max_output_tokens',
      path: '/v1/responses',
      body: '{"model":"gpt-5-mini","input":"Hi","max_output_tokens":100000}',
      lowered: (tokens: number) => `{"model":"gpt-5-mini","input":"Hi","max_output_tokens":${tokens}}`,
      answer: 'upstream/openai-responses/text.response.json',
      costMicros: 1233, // 11·3 + 80·15
    },
  ]
  test.each(cases)('$name', async ({ path, body, lowered, answer, costMicros }) => {
    await withCredit(creditMicros, async (gateway) => {
      const { reservationTokens } = await inputEstimateOf(operationOf[path]!, body, path === '/v1/messages' ? claudeTarget : gptTarget)
      const tokens = affordableOutputTokens(creditMicros, reservationTokens)
      expect(tokens).toBeGreaterThanOrEqual(16)
      upstream.enqueue(jsonReply(await readFixture(answer)))
      const response = await post(gateway, path, body)
      expect(response.status).toBe(200)
      expect(response.headers.get('x-anvat-max-tokens-lowered')).toBe(String(tokens))
      // Only the limit changed: every other byte went up as the caller wrote it.
      expect(upstream.received[0]!.bodyText).toBe(lowered(tokens))
      const hold = (await holdMicros(gateway, requestIdOf(response)))!
      expect(hold).toBeLessThanOrEqual(creditMicros)
      expect(hold + 15).toBeGreaterThan(creditMicros)
      expect(costMicrosOf(response.headers.get('x-anvat-cost-usd'))).toBe(costMicros)
      expect(creditMicros - (await balanceMicros(gateway))).toBe(costMicros)
    })
  })

  test('a limit the credit covers is left alone, with no header', async () => {
    await withCredit(10_000_000, async (gateway) => {
      const body = '{"model":"claude-sonnet-4-6","max_tokens":100000,"messages":[{"role":"user","content":"Hi"}]}'
      const response = await post(gateway, '/v1/messages', body)
      expect(response.status).toBe(200)
      expect(response.headers.get('x-anvat-max-tokens-lowered')).toBeNull()
      expect(upstream.received[0]!.bodyText).toBe(body)
    })
  })
})

describe('many requests racing on one key', () => {
  test('200 at once on credit for ~10 holds: holds never exceed the credit, the rest get 402, and the balance drops by exactly the reported costs', async () => {
    const requestsTotal = 200
    const body = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })
    const { reservationTokens } = await inputEstimateOf('messages', body, claudeTarget)
    const holdEachMicros = Math.ceil((reservationTokens * 3_750_000 + 64 * 15_000_000) / 1_000_000)
    // Ten full holds, and a remainder too small for the input and 16 tokens, so exactly ten can be served.
    const creditMicros = holdEachMicros * 10 + holdEachMicros / 4
    const cheapAnswer = answerWithUsage({ input_tokens: 20, output_tokens: 7 })
    await withCredit(Math.floor(creditMicros), async (gateway) => {
      // Each answer takes 300 ms to finish, so every hold is taken before the first is given back.
      for (let index = 0; index < requestsTotal; index++) {
        upstream.enqueue({ chunks: [cheapAnswer.slice(0, 10), cheapAnswer.slice(10)], chunkDelayMs: 300, headers: { 'content-type': 'application/json' } })
      }
      const responses = await Promise.all(
        Array.from({ length: requestsTotal }, async () => {
          const response = await post(gateway, '/v1/messages', body)
          return { status: response.status, cost: response.headers.get('x-anvat-cost-usd'), text: await response.text() }
        }),
      )
      const served = responses.filter((response) => response.status === 200)
      const refused = responses.filter((response) => response.status === 402)
      expect(served.length + refused.length).toBe(requestsTotal)
      expect(served).toHaveLength(10)
      for (const response of refused) expect(JSON.parse(response.text)).toMatchObject({ type: 'error', error: { type: 'billing_error' } })
      expect(upstream.received).toHaveLength(served.length)

      const chargedMicros = served.reduce((sum, response) => sum + costMicrosOf(response.cost), 0)
      expect(chargedMicros).toBe(served.length * (20 * 3 + 7 * 15))
      expect(Math.floor(creditMicros) - (await balanceMicros(gateway))).toBe(chargedMicros)
      const [held] = await gateway.connection.client.query<{ total: number }>({
        sql: "SELECT COALESCE(-SUM(amount_micros), 0) AS total FROM ledger_entries WHERE kind = 'reserve'",
        args: [],
      })
      expect(Number(held!.total)).toBeLessThanOrEqual(creditMicros)
      const open = await gateway.connection.client.query({ sql: 'SELECT 1 FROM open_reservations', args: [] })
      expect(open).toHaveLength(0)
    })
  })
})
