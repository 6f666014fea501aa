/**
 * The input estimate before the upstream counts (WIRE.md §5): the count_tokens estimator over the canonical request,
 * never awaited on the request path (bytes until the encoding has loaded), bounded per request, with a margin on the
 * hold for tokenizers other than o200k; and, through a gateway, the figure `message_start` carries on a translated
 * stream and the hold a Claude request takes.
 */
import { describe, expect, test } from 'bun:test'
import type { CanonicalRequest } from '../../src/core/canonical.ts'
import { decodeCallerRequest, estimateInput, requestEncodedCharactersMax, reservationMarginOpenAI, reservationMarginOther } from '../../src/routes/input-estimate.ts'
import { estimateInputTokens } from '../../src/translate/estimate-input.ts'
import type { TokenEstimator } from '../../src/translate/token-estimator.ts'
import { holdMicros, inputEstimateOf, requestIdOf } from '../support/billing.ts'
import { jsonReply, sseReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { sharedTokenEstimator, useRouteGateway } from '../support/gateway.ts'

const bodyText = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: 'What is the tallest mountain?' }] })
const request = decodeCallerRequest('messages', JSON.parse(bodyText))!

function fakeEstimator(count: number | undefined): TokenEstimator & { calls: Array<{ model?: string; budget?: number }>; warmUps: number } {
  const fake = {
    calls: [] as Array<{ model?: string; budget?: number }>,
    warmUps: 0,
    countRequest: async () => count ?? 0,
    countRequestIfLoaded: (_request: CanonicalRequest, model?: string, budget?: number) => {
      fake.calls.push({ model, budget })
      return count
    },
    warmUp: () => {
      fake.warmUps++
    },
    loaded: () => count !== undefined,
    stats: () => ({ memoEntries: 0, memoHits: 0, memoMisses: 0, encodedCharacters: 0 }),
  }
  return fake
}

describe('estimateInput', () => {
  test('until the encoding has loaded: the byte estimate for both figures, and the load is started, not awaited', () => {
    const estimator = fakeEstimator(undefined)
    const estimate = estimateInput(estimator, request, { upstreamModel: 'claude-sonnet-4-6', o200k: false }, bodyText)
    expect(estimate).toEqual({ tokens: estimateInputTokens(bodyText), reservationTokens: estimateInputTokens(bodyText) })
    expect(estimator.warmUps).toBe(1)
  })

  test('once loaded: the count, bounded per request, with the upstream model; the hold adds the tokenizer margin', () => {
    const estimator = fakeEstimator(100)
    expect(estimateInput(estimator, request, { upstreamModel: 'claude-sonnet-4-6', o200k: false }, bodyText)).toEqual({ tokens: 100, reservationTokens: Math.ceil(100 * reservationMarginOther) })
    expect(estimateInput(estimator, request, { upstreamModel: 'gpt-5-mini', o200k: true }, bodyText)).toEqual({ tokens: 100, reservationTokens: Math.ceil(100 * reservationMarginOpenAI) })
    expect(estimator.calls).toEqual([
      { model: 'claude-sonnet-4-6', budget: requestEncodedCharactersMax },
      { model: 'gpt-5-mini', budget: requestEncodedCharactersMax },
    ])
    expect(estimator.warmUps).toBe(0)
  })

  test('a body that does not decode is estimated by its bytes', () => {
    expect(decodeCallerRequest('chat-completions', { model: 'gpt-5-mini', messages: [], n: 3 })).toBeUndefined()
    const estimate = estimateInput(fakeEstimator(100), undefined, { upstreamModel: 'gpt-5-mini', o200k: true }, bodyText)
    expect(estimate.tokens).toBe(estimateInputTokens(bodyText))
  })

  test('the real estimator: a cold conversation past the budget costs a bounded encode, and the next turn counts it exactly', async () => {
    const estimator = await sharedTokenEstimator()
    const turns = Array.from({ length: 40 }, (_, index) => ({ role: index % 2 === 0 ? 'user' : 'assistant', content: `Turn ${index}: ${'the quick brown fox jumps over the lazy dog '.repeat(60)}` }))
    const conversation = decodeCallerRequest('messages', { model: 'x', max_tokens: 1, messages: turns })!
    const full = await estimator.countRequest(conversation)
    const before = estimator.stats().encodedCharacters
    const bounded = estimator.countRequestIfLoaded(conversation, undefined, requestEncodedCharactersMax)!
    expect(estimator.stats().encodedCharacters - before).toBeLessThanOrEqual(requestEncodedCharactersMax)
    // Counted by length where not encoded: never far below the real count.
    expect(bounded).toBeGreaterThanOrEqual(full * 0.9)
  })
})

describe('through the gateway', () => {
  const setup = useRouteGateway()

  test('a translated stream’s message_start carries the tokenizer estimate of the request', async () => {
    const body = JSON.stringify({ model: 'gpt-5-mini', max_tokens: 64, stream: true, system: 'Be brief.', messages: [{ role: 'user', content: 'What is the tallest mountain?' }] })
    setup.upstream.enqueue(sseReply(await readFixture('upstream/openai-chat/text.stream.sse')))
    const response = await setup.gateway.handle('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const start = (await response.text()).split('\n').find((line) => line.startsWith('data: {"type":"message_start"'))!
    const { tokens } = await inputEstimateOf('messages', body, { upstreamModel: 'gpt-5-mini', o200k: true })
    expect(JSON.parse(start.slice(6)).message.usage.input_tokens).toBe(tokens)
    // A realistic figure: the question and the system prompt are a few dozen tokens, not the body's bytes.
    expect(tokens).toBeLessThan(40)
  })

  test('a Claude request holds the estimate with the margin at the dearest input rate', async () => {
    setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    const response = await setup.gateway.handle('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodyText })
    await response.text()
    const { reservationTokens } = await inputEstimateOf('messages', bodyText, { upstreamModel: 'claude-sonnet-4-6', o200k: false })
    // Input at the cache-write price (3.75 µ$) and 64 output tokens at 15 µ$.
    expect(await holdMicros(setup.gateway, requestIdOf(response))).toBe(Math.ceil(reservationTokens * 3.75 + 64 * 15))
  })
})
