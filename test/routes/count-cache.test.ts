/**
 * count_tokens bursts (WIRE.md §5): an identical count from the same key within the cache's lifetime is answered
 * without asking the upstream again; another key, another body or an expired entry asks anew, and an estimate that
 * stood in for a failed exact count is never kept.
 */
import { expect, test } from 'bun:test'
import { createKey } from '../../src/ledger/keys.ts'
import { jsonReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { useRouteGateway } from '../support/gateway.ts'

let clockMs = 1_000_000
const setup = useRouteGateway({ limits: { countCacheTtlMs: 60_000 }, now: () => clockMs })

function count(body: Record<string, unknown>, key = setup.gateway.key): Promise<Response> {
  return setup.gateway.handle('/v1/messages/count_tokens', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify(body) })
}

const body = (text: string) => ({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: text }] })

test('a repeated exact count is answered from the cache, with its own request id', async () => {
  const fixture = await readFixture('upstream/anthropic/count-tokens.response.json')
  setup.upstream.enqueue(jsonReply(fixture))
  const first = await count(body('cache me'))
  const second = await count(body('cache me'))
  expect(await first.json()).toEqual(JSON.parse(fixture))
  expect(await second.json()).toEqual(JSON.parse(fixture))
  expect(second.headers.get('x-anvat-token-count')).toBe('exact')
  expect(second.headers.get('request-id')).not.toBe(first.headers.get('request-id'))
  expect(setup.upstream.received).toHaveLength(1)
})

test('another body, another key, or an expired entry asks the upstream again', async () => {
  const fixture = await readFixture('upstream/anthropic/count-tokens.response.json')
  for (let index = 0; index < 4; index++) setup.upstream.enqueue(jsonReply(fixture))
  await count(body('first body'))
  await count(body('second body'))
  const other = await createKey(setup.gateway.connection, { name: 'other', creditMicros: 1_000_000 }, Date.now())
  await count(body('first body'), other.key)
  clockMs += 60_001
  await count(body('first body'))
  expect(setup.upstream.received).toHaveLength(4)
})

test('an estimate standing in for an overloaded upstream is not kept', async () => {
  setup.upstream.enqueue({ status: 529, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'busy' } }) })
  const estimated = await count(body('busy upstream'))
  expect(estimated.headers.get('x-anvat-token-count')).toBe('estimate')
  setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/count-tokens.response.json')))
  const exact = await count(body('busy upstream'))
  expect(exact.headers.get('x-anvat-token-count')).toBe('exact')
  expect(setup.upstream.received).toHaveLength(2)
})

test('a GPT model’s estimate is kept too: the second call is the same number', async () => {
  const gptBody = { model: 'gpt-5-mini', messages: [{ role: 'user', content: 'estimate me twice' }] }
  const first = (await (await count(gptBody)).json()) as { input_tokens: number }
  const second = await count(gptBody)
  expect(second.headers.get('x-anvat-token-count')).toBe('estimate')
  expect(await second.json()).toEqual(first)
  expect(setup.upstream.received).toHaveLength(0)
})
