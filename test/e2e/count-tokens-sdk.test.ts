/**
 * `messages.countTokens` through the official Anthropic SDK for every kind of catalog model: a Claude model is
 * counted by its upstream (marked exact), a GPT model is estimated by the gateway with o200k (marked estimate) without
 * any upstream call, and neither is billed.
 */
import Anthropic from '@anthropic-ai/sdk'
import { expect, test } from 'bun:test'
import { jsonReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { useListeningGateway } from '../support/gateway.ts'

const setup = useListeningGateway()
const anthropic = () => new Anthropic({ baseURL: setup.gateway.url, apiKey: setup.gateway.key, maxRetries: 0 })
const params = {
  system: 'You are a terse assistant.',
  messages: [{ role: 'user' as const, content: 'What is the capital of France? Answer in one word.' }],
  tools: [{ name: 'lookup', description: 'Look a fact up', input_schema: { type: 'object' as const, properties: { query: { type: 'string' } }, required: ['query'] } }],
}

async function balanceMicros(): Promise<number> {
  const response = await fetch(`${setup.gateway.url}/v1/balance`, { headers: { authorization: `Bearer ${setup.gateway.key}` } })
  return Math.round(((await response.json()) as { balance_usd: number }).balance_usd * 1_000_000)
}

test('a Claude model: the upstream’s exact count, marked exact, free', async () => {
  setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/count-tokens.response.json')))
  const before = await balanceMicros()
  const { data, response } = await anthropic().messages.countTokens({ model: 'claude-alias', ...params }).withResponse()
  expect(data).toEqual(JSON.parse(await readFixture('upstream/anthropic/count-tokens.response.json')))
  expect(response.headers.get('x-anvat-token-count')).toBe('exact')
  expect(JSON.parse(setup.upstream.received[0]!.bodyText).model).toBe('claude-sonnet-4-6')
  expect(await balanceMicros()).toBe(before)
})

test('a GPT model: an o200k estimate counting system, tools and messages, marked estimate, with no upstream call', async () => {
  const before = await balanceMicros()
  const { data, response } = await anthropic().messages.countTokens({ model: 'gpt-5-mini', ...params }).withResponse()
  const bare = await anthropic().messages.countTokens({ model: 'gpt-5-mini', messages: params.messages })
  expect(response.headers.get('x-anvat-token-count')).toBe('estimate')
  // The question alone is about a dozen o200k tokens plus framing; the system prompt and the tool add to it.
  expect(bare.input_tokens).toBeGreaterThan(10)
  expect(bare.input_tokens).toBeLessThan(30)
  expect(data.input_tokens).toBeGreaterThan(bare.input_tokens + 20)
  expect(setup.upstream.received).toHaveLength(0)
  expect(await balanceMicros()).toBe(before)
})
