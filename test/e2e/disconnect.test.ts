/**
 * Stream lifetimes across the gateway: a client that goes away mid-stream makes the gateway close its upstream
 * connection; a silent upstream gets `: keepalive` comments towards the client; and an upstream silent for longer than
 * the idle timeout is abandoned, with an in-band Anthropic `timeout_error` ending the client's stream.
 */
import Anthropic, { APIError } from '@anthropic-ai/sdk'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { sseReply, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { startTestGateway, type ListeningTestGateway } from '../support/gateway.ts'
import { rejectionOf, splitCostTrailer, waitFor } from '../support/sdk-traffic.ts'

let upstream: FakeUpstream
/** Default limits: a 600 s idle timeout, so only the client leaving can close a hung upstream within a test. */
let gateway: ListeningTestGateway
/** Keepalive every 100 ms and a 1 s idle timeout (the smallest the config allows). */
let quietGateway: ListeningTestGateway
let anthropicText: string

beforeAll(async () => {
  upstream = await startFakeUpstream()
  gateway = await startTestGateway(upstream)
  quietGateway = await startTestGateway(upstream, { limits: { keepaliveIntervalMs: 100, streamIdleTimeoutMs: 1000 } })
  anthropicText = await readFixture('upstream/anthropic/text.stream.sse')
})
beforeEach(() => {
  upstream.clear()
})
afterAll(async () => {
  await gateway.stop()
  await quietGateway.stop()
  await upstream.stop()
})

const params = { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'Hi' }] }
const keepalive = ': keepalive\n\n'
const decoder = new TextDecoder()

/** The first `count` events of a fixture, byte for byte. */
function firstEvents(fixtureText: string, count: number): string {
  return fixtureText.split(/(?<=\n\n)/).slice(0, count).join('')
}

function postMessages(target: ListeningTestGateway, signal?: AbortSignal): Promise<Response> {
  const headers = { 'content-type': 'application/json', 'x-api-key': target.key, 'anthropic-version': '2023-06-01' }
  const body = JSON.stringify({ ...params, stream: true })
  return fetch(`${target.url}/v1/messages`, { method: 'POST', headers, body, signal: signal ?? null })
}

/** The part of a body reader this file uses (fetch's and Bun's reader types differ in extras). */
type ByteReader = { read: () => Promise<{ done: boolean; value?: Uint8Array }> }

/** Reads from `reader` until `done(text)` holds or the body ends; returns everything read. */
async function readUntil(reader: ByteReader, done: (text: string) => boolean): Promise<string> {
  let text = ''
  while (!done(text)) {
    const result = await reader.read()
    if (result.done) break
    text += decoder.decode(result.value, { stream: true })
  }
  return text
}

function hangingReply(fixtureText: string, eventsMax: number) {
  return sseReply(fixtureText, { eventsMax, hangAfterChunks: true })
}

describe('the client going away closes the upstream', () => {
  test('Anthropic SDK: aborting its signal mid-stream', async () => {
    upstream.enqueue(hangingReply(anthropicText, 4))
    const controller = new AbortController()
    const client = new Anthropic({ baseURL: gateway.url, apiKey: gateway.key, maxRetries: 0 })
    const stream = await client.messages.create({ ...params, stream: true }, { signal: controller.signal })
    const types: string[] = []
    for await (const event of stream) {
      types.push(event.type)
      if (event.type !== 'content_block_delta') continue
      expect(upstream.openStreams()).toBe(1)
      controller.abort()
    }
    expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta'])
    await waitFor(() => upstream.openStreams() === 0, 'the upstream stream to close after the SDK aborted')
  })

  test('OpenAI SDK: breaking out of a chat stream iteration', async () => {
    upstream.enqueue(hangingReply(await readFixture('upstream/openai-chat/text.stream.sse'), 3))
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 })
    const messages = [{ role: 'user' as const, content: 'Hi' }]
    const stream = await client.chat.completions.create({ model: 'gpt-5-mini', messages, stream: true })
    let content = ''
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? ''
      if (content === '') continue
      expect(upstream.openStreams()).toBe(1)
      break
    }
    expect(content).toBe('Hello')
    await waitFor(() => upstream.openStreams() === 0, 'the upstream stream to close after the loop broke')
  })

  test.each(['abort', 'cancel'] as const)('raw fetch: %s after the first bytes', async (how) => {
    upstream.enqueue(hangingReply(anthropicText, 2))
    const controller = new AbortController()
    const response = await postMessages(gateway, controller.signal)
    const reader = response.body!.getReader()
    const text = await readUntil(reader, (soFar) => soFar === firstEvents(anthropicText, 2))
    expect(text).toBe(firstEvents(anthropicText, 2))
    expect(upstream.openStreams()).toBe(1)
    if (how === 'abort') {
      controller.abort()
      expect(await rejectionOf(reader.read())).toBeInstanceOf(Error)
    } else await reader.cancel()
    await waitFor(() => upstream.openStreams() === 0, `the upstream stream to close after the client's ${how}`)
  })
})

describe('silences', () => {
  test('a silent upstream gets `: keepalive` comments between whole events', async () => {
    upstream.enqueue(hangingReply(anthropicText, 2))
    const controller = new AbortController()
    const response = await postMessages(quietGateway, controller.signal)
    const reader = response.body!.getReader()
    const text = await readUntil(reader, (soFar) => soFar.split(keepalive).length > 3)
    controller.abort()
    const events = firstEvents(anthropicText, 2)
    expect(text.startsWith(events)).toBe(true)
    expect(text.slice(events.length)).toMatch(/^(: keepalive\n\n){3,}$/)
    await waitFor(() => upstream.openStreams() === 0, 'the upstream stream to close after the client left')
  })

  test('keepalives in the gaps of a slow stream leave the events intact for the client and the SDK', async () => {
    const slowReply = () => sseReply(anthropicText, { chunkDelayMs: 150 })
    upstream.enqueue(slowReply())
    upstream.enqueue(slowReply())
    const client = new Anthropic({ baseURL: quietGateway.url, apiKey: quietGateway.key, maxRetries: 0 })
    // Both requests run at once, so the slow stream costs its duration only once.
    const [rawText, message] = await Promise.all([
      postMessages(quietGateway).then((response) => response.text()),
      client.messages.stream(params).finalMessage(),
    ])
    expect(rawText).toContain(keepalive)
    expect(splitCostTrailer(rawText.replaceAll(keepalive, '')).relayed).toBe(anthropicText)
    const text = "Hello! I'm doing well, thanks for asking. How can I help you today?"
    expect<unknown>(message.content).toEqual([{ type: 'text', text }])
    expect(message.stop_reason).toBe('end_turn')
  })

  test('an upstream silent past the idle timeout: timeout_error ends the stream and the upstream closes', async () => {
    upstream.enqueue(hangingReply(anthropicText, 4))
    upstream.enqueue(hangingReply(anthropicText, 4))
    const client = new Anthropic({ baseURL: quietGateway.url, apiKey: quietGateway.key, maxRetries: 0 })
    const startedMs = Date.now()
    const [response, sdkError] = await Promise.all([
      postMessages(quietGateway),
      rejectionOf(client.messages.stream(params).finalMessage()),
    ])
    const text = await response.text()
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(900)
    const withoutKeepalives = splitCostTrailer(text.replaceAll(keepalive, '')).relayed
    const partial = firstEvents(anthropicText, 4)
    expect(withoutKeepalives.startsWith(partial)).toBe(true)
    const ending = withoutKeepalives.slice(partial.length)
    expect(ending).toMatch(/^event: error\ndata: .*\n\n$/)
    expect(JSON.parse(ending.slice(ending.indexOf('data: ') + 6))).toEqual({
      type: 'error',
      error: { type: 'timeout_error', message: expect.any(String) },
      request_id: response.headers.get('request-id'),
    })
    expect(sdkError).toBeInstanceOf(APIError)
    expect((sdkError as APIError).type).toBe('timeout_error')
    await waitFor(() => upstream.openStreams() === 0, 'the gateway to close the idle upstream streams')
  })
})
