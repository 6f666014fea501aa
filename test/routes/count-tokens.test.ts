/**
 * count_tokens (WIRE.md §5): an Anthropic upstream's exact count passes through, marked `exact`; a model on another
 * dialect gets the o200k estimate, marked `estimate`, without calling any upstream or touching the ledger.
 */
import Anthropic from '@anthropic-ai/sdk'
import { describe, expect, test } from 'bun:test'
import { Tiktoken } from 'js-tiktoken/lite'
import o200kBase from 'js-tiktoken/ranks/o200k_base'
import { messageOverheadTokens, replyPrimingTokens } from '../../src/translate/token-estimator.ts'
import { balanceMicros, entriesOf, requestIdOf } from '../support/billing.ts'
import { useListeningGateway } from '../support/gateway.ts'

const setup = useListeningGateway({ limits: { countCacheTtlMs: 0 } })
const reference = new Tiktoken(o200kBase)
const prompt = 'How many tokens does this sentence take?'
const messages = [{ role: 'user' as const, content: prompt }]
const expectedEstimate = reference.encode(prompt, [], []).length + messageOverheadTokens + replyPrimingTokens

function count(body: Record<string, unknown>): Promise<Response> {
  return setup.gateway.handle('/v1/messages/count_tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

function anthropicClient(): Anthropic {
  return new Anthropic({ baseURL: setup.gateway.url, apiKey: setup.gateway.key, maxRetries: 0 })
}

describe('a model on another dialect', () => {
  test('gets the estimate with x-anvat-token-count: estimate; no upstream call, no hold', async () => {
    const before = await balanceMicros(setup.gateway)
    const response = await count({ model: 'gpt-5-mini', messages })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-anvat-token-count')).toBe('estimate')
    expect((await response.json()) as object).toEqual({ input_tokens: expectedEstimate })
    expect(response.headers.get('x-anvat-cost-usd')).toBeNull()
    expect(setup.upstream.received).toEqual([])
    expect(await entriesOf(setup.gateway, requestIdOf(response))).toEqual([])
    expect(await balanceMicros(setup.gateway)).toBe(before)
  })

  test('an alias counts the same, and system and tools raise the count', async () => {
    const plain = (await (await count({ model: 'gpt-alias', messages })).json()) as { input_tokens: number }
    expect(plain.input_tokens).toBe(expectedEstimate)
    const tool = { name: 'lookup', description: 'Look a word up.', input_schema: { type: 'object', properties: { word: { type: 'string' } } } }
    const richer = (await (await count({ model: 'gpt-5-mini', messages, system: 'Be brief.', tools: [tool] })).json()) as { input_tokens: number }
    expect(richer.input_tokens).toBeGreaterThan(plain.input_tokens + 10)
    expect(setup.upstream.received).toEqual([])
  })

  test('an invalid body is still the caller 400, not an estimate', async () => {
    const response = await count({ model: 'gpt-5-mini' })
    expect(response.status).toBe(400)
    expect(response.headers.get('x-anvat-token-count')).toBeNull()
  })

  test('the Anthropic SDK countTokens gets the estimate', async () => {
    const result = await anthropicClient().messages.countTokens({ model: 'gpt-5-mini', messages }).withResponse()
    expect(result.data).toEqual({ input_tokens: expectedEstimate })
    expect(result.response.headers.get('x-anvat-token-count')).toBe('estimate')
    expect(setup.upstream.received).toEqual([])
  })
})

describe('a Claude model', () => {
  test('passes through to the upstream with x-anvat-token-count: exact', async () => {
    const response = await count({ model: 'claude-sonnet-4-6', messages })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-anvat-token-count')).toBe('exact')
    expect((await response.json()) as object).toEqual({ input_tokens: 2095 })
    expect(setup.upstream.received.map((request) => request.path)).toEqual(['/v1/messages/count_tokens'])
  })

  test('an upstream that cannot count right now (429, 529) gets the flagged estimate instead', async () => {
    for (const [status, type] of [[429, 'rate_limit_error'], [529, 'overloaded_error']] as const) {
      setup.upstream.enqueue({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'error', error: { type, message: 'not now' } }) })
      const response = await count({ model: 'claude-sonnet-4-6', messages })
      expect(response.status).toBe(200)
      expect(response.headers.get('x-anvat-token-count')).toBe('estimate')
      expect(((await response.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0)
    }
  })

  test('the caller’s own mistake upstream (400) passes as it came, not marked', async () => {
    setup.upstream.enqueue({ status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'bad tool' } }) })
    const response = await count({ model: 'claude-sonnet-4-6', messages })
    expect(response.status).toBe(400)
    expect(response.headers.get('x-anvat-token-count')).toBeNull()
  })

  test('the Anthropic SDK countTokens gets the upstream count', async () => {
    const result = await anthropicClient().messages.countTokens({ model: 'claude-sonnet-4-6', messages }).withResponse()
    expect(result.data).toEqual({ input_tokens: 2095 })
    expect(result.response.headers.get('x-anvat-token-count')).toBe('exact')
    expect(setup.upstream.received).toHaveLength(1)
  })
})
