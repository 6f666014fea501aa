/**
 * Money through the official SDKs: after a request, the balance has dropped by exactly the cost the gateway reported
 * (the `x-anvat-cost-usd` header, or the stream's closing `: x-anvat-cost-usd=` comment), and cache tokens are priced
 * at their own rates. Test prices (USD per million): input 3, output 15, cache write 3.75, cache read 0.3.
 */
import Anthropic from '@anthropic-ai/sdk'
import { expect, test } from 'bun:test'
import OpenAI from 'openai'
import { parseUsdToMicros } from '../../src/core/money.ts'
import { jsonReply, sseReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { useListeningGateway } from '../support/gateway.ts'
import { splitCostTrailer } from '../support/sdk-traffic.ts'

const setup = useListeningGateway()

async function balanceMicros(): Promise<number> {
  const response = await fetch(`${setup.gateway.url}/v1/balance`, { headers: { authorization: `Bearer ${setup.gateway.key}` } })
  return Math.round(((await response.json()) as { balance_usd: number }).balance_usd * 1_000_000)
}

const anthropic = () => new Anthropic({ baseURL: setup.gateway.url, apiKey: setup.gateway.key, maxRetries: 0 })
const openai = () => new OpenAI({ baseURL: `${setup.gateway.url}/v1`, apiKey: setup.gateway.key, maxRetries: 0 })
const messagesParams = { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'Hello' }] }

test('Anthropic SDK: a 1-hour cache write is priced at the cache-write rate and the balance drops by the header', async () => {
  setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/thinking.response.json')))
  const before = await balanceMicros()
  const { response } = await anthropic().messages.create(messagesParams).withResponse()
  // 58 input × 3 + 3,120 cache-write × 3.75 + 143 output × 15 = 14,019 micro-USD.
  expect(response.headers.get('x-anvat-cost-usd')).toBe('0.014019')
  expect(before - (await balanceMicros())).toBe(14_019)
})

test('Anthropic SDK stream: cache reads at their rate, cost in the closing comment, balance drops by it', async () => {
  setup.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/text.stream.sse')))
  const before = await balanceMicros()
  const raw = await anthropic().messages.create({ ...messagesParams, stream: true }).asResponse()
  const { costUsd } = splitCostTrailer(await raw.text())
  // 14 input × 3 + 2,077 cache-read × 0.3 + 19 output × 15 = 950.1, rounded up once: 951 micro-USD.
  expect(costUsd).toBe('0.000951')
  expect(before - (await balanceMicros())).toBe(parseUsdToMicros(costUsd)!)
})

test('OpenAI SDK: cached prompt tokens are not billed as input, reasoning is not billed twice', async () => {
  setup.upstream.enqueue(jsonReply(await readFixture('upstream/openai-chat/reasoning-usage.response.json')))
  const before = await balanceMicros()
  const { response } = await openai()
    .chat.completions.create({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'Hello' }] })
    .withResponse()
  // (2,412 − 1,920) input × 3 + 1,920 cached × 0.3 + 1,186 output (reasoning included) × 15 = 19,842 micro-USD.
  expect(response.headers.get('x-anvat-cost-usd')).toBe('0.019842')
  expect(before - (await balanceMicros())).toBe(19_842)
})

test('OpenAI SDK stream without include_usage: billed from the usage the gateway asked for, which the client never sees', async () => {
  setup.upstream.enqueue(sseReply(await readFixture('upstream/openai-chat/text.stream.sse')))
  const before = await balanceMicros()
  const stream = await openai().chat.completions.create({ model: 'gpt-5-mini', stream: true, messages: [{ role: 'user', content: 'Hello' }] })
  let usageSeen = false
  for await (const chunk of stream) if (chunk.usage) usageSeen = true
  expect(usageSeen).toBe(false)
  // 12 prompt × 3 + 78 completion × 15 = 1,206 micro-USD, from the usage chunk the client never saw.
  expect(before - (await balanceMicros())).toBe(1_206)
  expect(JSON.parse(setup.upstream.received[0]!.bodyText).stream_options).toEqual({ include_usage: true })
})
