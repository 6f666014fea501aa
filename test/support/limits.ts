/**
 * Helpers for tests of per-key limits: a fresh key with its own limits (so every test starts with empty windows),
 * one request body per dialect, the three `x-anvat-*-remaining` headers, and streams held open until a test ends them.
 */
import { expect } from 'bun:test'
import { createKey } from '../../src/ledger/keys.ts'
import { jsonReply, sseReply, type FakeUpstream } from './fake-upstream.ts'
import { readFixture } from './fixtures.ts'
import type { TestGateway } from './gateway.ts'

export type Dialect = 'anthropic' | 'chat' | 'responses'
export const dialectNames: Dialect[] = ['anthropic', 'chat', 'responses']
export const paths: Record<Dialect, string> = { anthropic: '/v1/messages', chat: '/v1/chat/completions', responses: '/v1/responses' }

/** A key's own limits, as `keys create` stores them; absent means the plan's (or none). */
export type KeyLimits = { rpm?: number; concurrency?: number; windowSpendMicros?: number; creditMicros?: number }

/**
 * A new key (and account) on the same gateway with `limits`, seen as a TestGateway: `handle` sends the new key,
 * and `keyId`/`accountId` are its own, so the billing helpers read its balance.
 */
export async function limitedKey(gateway: TestGateway, limits: KeyLimits): Promise<TestGateway> {
  const { creditMicros = 10_000_000, ...keyLimits } = limits
  const created = await createKey(gateway.connection, { name: 'limited', creditMicros, ...keyLimits }, Date.now())
  return {
    ...gateway,
    key: created.key,
    keyId: created.id,
    accountId: created.accountId,
    handle: (path, init = {}) => {
      const headers = new Headers(init.headers)
      if (!headers.has('x-api-key') && !headers.has('authorization')) headers.set('x-api-key', created.key)
      return gateway.handle(path, { ...init, headers })
    },
  }
}

/** A request body for `dialect` with an explicit output limit, so every request holds the same worst case. */
export function requestBody(dialect: Dialect, options: { stream?: boolean; outputTokensMax?: number } = {}): string {
  const stream = options.stream ?? false
  const outputTokensMax = options.outputTokensMax ?? 1_000
  if (dialect === 'anthropic') return JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: outputTokensMax, stream, messages: [{ role: 'user', content: 'Hi' }] })
  if (dialect === 'chat') return JSON.stringify({ model: 'gpt-5-mini', max_completion_tokens: outputTokensMax, stream, messages: [{ role: 'user', content: 'Hi' }] })
  return JSON.stringify({ model: 'gpt-5-mini', max_output_tokens: outputTokensMax, stream, input: 'Hi' })
}

/** POSTs a model call in `dialect` with the gateway's key. */
export function post(gateway: TestGateway, dialect: Dialect, options: { stream?: boolean; outputTokensMax?: number; signal?: AbortSignal } = {}): Promise<Response> {
  return gateway.handle(paths[dialect], {
    method: 'POST',
    body: requestBody(dialect, options),
    headers: { 'content-type': 'application/json' },
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
}

/** The three remaining-limit headers of a response; each must be present. */
export function limitHeaders(response: Response): { rpm: string; concurrent: string; spendUsd: string } {
  const read = (name: string) => {
    const value = response.headers.get(name)
    expect(value, `${name} on a ${response.status}`).not.toBeNull()
    return value!
  }
  return { rpm: read('x-anvat-rpm-remaining'), concurrent: read('x-anvat-concurrent-remaining'), spendUsd: read('x-anvat-window-spend-remaining-usd') }
}

const streamFixtures: Record<Dialect, string> = {
  anthropic: 'upstream/anthropic/text.stream.sse',
  chat: 'upstream/openai-chat/text.stream.sse',
  responses: 'upstream/openai-responses/text.stream.sse',
}

/** The recorded text stream of `dialect`. */
export function streamFixture(dialect: Dialect): Promise<string> {
  return readFixture(streamFixtures[dialect])
}

/** Queues `count` upstream streams that send their first event and then stay open until the client leaves. */
export async function enqueueHangingStreams(upstream: FakeUpstream, dialect: Dialect, count: number): Promise<void> {
  const fixture = await streamFixture(dialect)
  for (let index = 0; index < count; index++) upstream.enqueue(sseReply(fixture, { eventsMax: 1, hangAfterChunks: true }))
}

/** Queues an upstream 500 in `dialect`'s own error envelope. */
export function enqueueServerError(upstream: FakeUpstream, dialect: Dialect): void {
  const body =
    dialect === 'anthropic'
      ? { type: 'error', error: { type: 'api_error', message: 'Internal server error' } }
      : { error: { message: 'The server had an error', type: 'server_error', param: null, code: null } }
  upstream.enqueue(jsonReply(body, 500))
}

/** Reads a streamed body until `eventsWanted` SSE events have arrived, and returns the reader for the test to end. */
export async function readEvents(response: Response, eventsWanted: number): Promise<{ cancel: () => Promise<void> }> {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  while (text.split('\n\n').length - 1 < eventsWanted) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`stream ended after ${JSON.stringify(text)}`)
    text += decoder.decode(value, { stream: true })
  }
  return reader
}

/** The key's open holds, in micro-USD, straight from the ledger. */
export async function openHoldsMicros(gateway: TestGateway): Promise<number> {
  await gateway.ledger.flush()
  const [row] = await gateway.connection.client.query<{ total: number }>({
    sql: 'SELECT COALESCE(SUM(amount_micros), 0) AS total FROM open_reservations WHERE account_id = ?',
    args: [gateway.accountId],
  })
  return Number(row!.total)
}
