import { describe, expect, test } from 'bun:test'
import { dialects } from '../../src/dialects/index.ts'
import { passthroughStream, type StreamOutcome } from '../../src/translate/passthrough-stream.ts'
import { readFixture, rechunk } from '../support/fixtures.ts'

type Source = { chunks: Uint8Array[]; thenError?: boolean; thenHang?: boolean }

function upstreamOf(source: Source) {
  let index = 0
  let cancelled = false
  const stream = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      const chunk = source.chunks[index++]
      if (chunk !== undefined) return controller.enqueue(chunk)
      if (source.thenError) return controller.error(new Error('connection reset'))
      if (source.thenHang) return new Promise<void>(() => undefined)
      controller.close()
    },
    cancel: () => {
      cancelled = true
    },
  })
  return { stream, cancelled: () => cancelled }
}

function relayOf(source: Source, dialect: keyof typeof dialects, limits: { keepaliveIntervalMs?: number; idleTimeoutMs?: number } = {}) {
  const upstream = upstreamOf(source)
  let aborted = false
  let outcome: StreamOutcome | undefined
  const stream = passthroughStream(upstream.stream, {
    tracker: dialects[dialect].createStreamTracker(),
    requestId: 'req_test',
    keepaliveIntervalMs: limits.keepaliveIntervalMs ?? 60_000,
    idleTimeoutMs: limits.idleTimeoutMs ?? 60_000,
    eventBytesMax: 1024 * 1024,
    abortUpstream: () => {
      aborted = true
    },
    meter: dialects[dialect].createStreamMeter(),
    onEnd: async (value) => {
      outcome = value
      return undefined
    },
    now: Date.now,
  })
  return { stream, aborted: () => aborted, outcome: () => outcome, upstreamCancelled: upstream.cancelled }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text()
}

describe('passthroughStream', () => {
  test('relays a complete stream byte for byte, at any chunking', async () => {
    const fixture = await readFixture('upstream/anthropic/multibyte.stream.sse')
    for (const size of [1, 7, 64, 100_000]) {
      const relay = relayOf({ chunks: rechunk(fixture, size) }, 'anthropic')
      expect(await readAll(relay.stream)).toBe(fixture)
      expect(relay.outcome()).toBe('completed')
    }
  })

  test('forwards each whole event as soon as it arrives, holding only an unfinished tail', async () => {
    let push: (text: string) => void = () => undefined
    const upstream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        push = (text) => controller.enqueue(new TextEncoder().encode(text))
      },
    })
    const stream = passthroughStream(upstream, {
      tracker: dialects['openai-chat'].createStreamTracker(),
      requestId: 'req_test',
      keepaliveIntervalMs: 60_000,
      idleTimeoutMs: 60_000,
      eventBytesMax: 1024,
      abortUpstream: () => undefined,
      meter: dialects['openai-chat'].createStreamMeter(),
      onEnd: async () => undefined,
      now: Date.now,
    })
    const reader = stream.getReader()
    push('data: {"a":1}\n\ndata: {"b"')
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"a":1}\n\n')
    push(':2}\n\n')
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"b":2}\n\n')
    await reader.cancel()
  })

  test('an Anthropic stream that ends without message_stop gets an api_error event, without the partial event', async () => {
    const fixture = await readFixture('upstream/anthropic/cut.stream.sse')
    const relay = relayOf({ chunks: [...rechunk(fixture, 64), new TextEncoder().encode('event: content_block_delta\ndata: {"ty')] }, 'anthropic')
    const text = await readAll(relay.stream)
    expect(text.startsWith(fixture)).toBe(true)
    const ending = text.slice(fixture.length)
    expect(ending.startsWith('event: error\ndata: ')).toBe(true)
    expect(JSON.parse(ending.split('data: ')[1]!)).toMatchObject({ type: 'error', error: { type: 'api_error' } })
    expect(relay.outcome()).toBe('cut')
  })

  test('a network error mid-stream ends a Chat stream with an error chunk and no [DONE]', async () => {
    const relay = relayOf({ chunks: [new TextEncoder().encode('data: {"id":"x","choices":[]}\n\n')], thenError: true }, 'openai-chat')
    const text = await readAll(relay.stream)
    expect(text).not.toContain('[DONE]')
    const last = text.trim().split('\n\n').at(-1)!
    expect(JSON.parse(last.slice('data: '.length))).toMatchObject({ error: { type: 'server_error' } })
    expect(relay.outcome()).toBe('cut')
  })

  test('a cut Responses stream ends with error then response.failed, numbered on', async () => {
    const fixture = await readFixture('upstream/openai-responses/text.stream.sse')
    const events = fixture.split('\n\n').filter((event) => event !== '')
    const partial = `${events.slice(0, 4).join('\n\n')}\n\n`
    const relay = relayOf({ chunks: [new TextEncoder().encode(partial)] }, 'openai-responses')
    const text = await readAll(relay.stream)
    const added = text.slice(partial.length).split('\n\n').filter((event) => event !== '')
    expect(added.map((event) => event.split('\n')[0])).toEqual(['event: error', 'event: response.failed'])
    const failed = JSON.parse(added[1]!.split('data: ')[1]!)
    expect(failed.sequence_number).toBe(5)
    expect(failed.response.status).toBe('failed')
    expect(failed.response.id).toMatch(/^resp_/)
  })

  test('a complete stream that merely lacks the final blank line is not treated as cut', async () => {
    const relay = relayOf({ chunks: [new TextEncoder().encode('data: {"x":1}\n\ndata: [DONE]\n')] }, 'openai-chat')
    expect(await readAll(relay.stream)).toBe('data: {"x":1}\n\ndata: [DONE]\n')
    expect(relay.outcome()).toBe('completed')
  })

  test('writes keepalive comments during upstream silence, between events', async () => {
    const relay = relayOf({ chunks: [new TextEncoder().encode('event: ping\ndata: {"type":"ping"}\n\n')], thenHang: true }, 'anthropic', {
      keepaliveIntervalMs: 30,
      idleTimeoutMs: 200,
    })
    const text = await readAll(relay.stream)
    expect(text.startsWith('event: ping\ndata: {"type":"ping"}\n\n: keepalive\n\n')).toBe(true)
    expect(text).toContain('"timeout_error"')
    expect(relay.outcome()).toBe('idle-timeout')
    expect(relay.aborted()).toBe(true)
    expect(relay.upstreamCancelled()).toBe(true)
  })

  test('a chunk holding only a dropped event does not stall the stream: the next events and the end still come', async () => {
    // The forced Chat usage chunk, alone in its read as a real upstream flushes it, used to end a pull with nothing
    // written, after which the stream was never pulled again: no [DONE], no cost comment, no settlement.
    const events = ['data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n', 'data: {"choices":[],"usage":{"prompt_tokens":1}}\n\n', 'data: [DONE]\n\n']
    const upstream = upstreamOf({ chunks: events.map((event) => new TextEncoder().encode(event)) })
    let outcome: StreamOutcome | undefined
    const stream = passthroughStream(upstream.stream, {
      tracker: dialects['openai-chat'].createStreamTracker(),
      meter: dialects['openai-chat'].createStreamMeter(),
      dropFrame: (frame) => frame.data.includes('"usage"'),
      requestId: 'req_test',
      keepaliveIntervalMs: 60_000,
      idleTimeoutMs: 60_000,
      eventBytesMax: 1024,
      abortUpstream: () => undefined,
      onEnd: async (value) => {
        outcome = value
        return 'x-anvat-cost-usd=0'
      },
      now: Date.now,
    })
    expect(await readAll(stream)).toBe(`${events[0]}${events[2]}: x-anvat-cost-usd=0\n\n`)
    expect(outcome).toBe('completed')
  })

  test('the client cancelling aborts the upstream', async () => {
    const relay = relayOf({ chunks: [new TextEncoder().encode('data: {}\n\n')], thenHang: true }, 'openai-chat')
    const reader = relay.stream.getReader()
    await reader.read()
    await reader.cancel()
    expect(relay.aborted()).toBe(true)
    expect(relay.upstreamCancelled()).toBe(true)
    expect(relay.outcome()).toBe('client-aborted')
  })
})
