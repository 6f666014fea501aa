/**
 * A caller refused for its key or its credit is told, in its own dialect, where on this gateway to fix it: a bad or
 * revoked key points to /app/keys, an empty balance to /app/billing (at the configured public URL when there is one).
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { createTestGateway } from '../support/gateway.ts'

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.stop())

const messages = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] })
const chat = JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'Hi' }] })

test('401 in either dialect names /app/keys on this gateway', async () => {
  const gateway = await createTestGateway(upstream)
  try {
    const anthropic = await gateway.handle('/v1/messages', { method: 'POST', body: messages, headers: { 'x-api-key': 'anv_wrong' } })
    expect(anthropic.status).toBe(401)
    const anthropicBody = (await anthropic.json()) as { type: string; error: { type: string; message: string } }
    expect(anthropicBody.type).toBe('error')
    expect(anthropicBody.error).toEqual({ type: 'authentication_error', message: 'Invalid API key. Create or regenerate a key at http://anvat.test/app/keys.' })
    const revoked = await gateway.handle('/v1/chat/completions', { method: 'POST', body: chat, headers: { authorization: `Bearer ${gateway.revokedKey}` } })
    expect(revoked.status).toBe(401)
    expect(((await revoked.json()) as { error: { message: string } }).error.message).toBe('This API key has been revoked. Create or regenerate a key at http://anvat.test/app/keys.')
  } finally {
    await gateway.close()
  }
})

test('402 in either dialect names /app/billing, at the public URL when one is configured, and says packs add credit', async () => {
  const gateway = await createTestGateway(upstream, {
    creditMicros: 0,
    configure: (file) =>
      Object.assign(file as Record<string, unknown>, { accounts: { publicUrl: 'https://llm.example.com/' }, packs: [{ id: 'p10', priceUsd: 10, creditUsd: 20 }] }),
  })
  try {
    const anthropic = await gateway.handle('/v1/messages', { method: 'POST', body: messages })
    expect(anthropic.status).toBe(402)
    const anthropicBody = (await anthropic.json()) as { error: { type: string; message: string } }
    expect(anthropicBody.error.type).toBe('billing_error')
    expect(anthropicBody.error.message).toEndWith('Top up at https://llm.example.com/app/billing: prepaid packs add more credit than they cost.')
    const openai = await gateway.handle('/v1/chat/completions', { method: 'POST', body: chat })
    expect(openai.status).toBe(402)
    expect(((await openai.json()) as { error: { message: string } }).error.message).toContain('https://llm.example.com/app/billing')
    expect(upstream.received).toHaveLength(0)
  } finally {
    await gateway.close()
  }
})
