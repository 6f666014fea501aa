/**
 * A fake Anthropic and OpenAI upstream on 127.0.0.1, for end-to-end tests. It validates requests as strictly as the
 * real APIs (fake-upstream-validation.ts), records every request, and answers with queued replies or recorded fixtures.
 */
import { readFixture, rechunk } from './fixtures.ts'
import { matchRoute, notFoundRejection, validateRequest, type FakeRoute } from './fake-upstream-validation.ts'

/** One request as the fake received it, rejected or not. */
export type ReceivedRequest = { method: string; path: string; search: string; headers: Headers; bodyText: string }

/**
 * A scripted reply. `chunks` are written one at a time, `chunkDelayMs` apart; without `chunks`, `body` is sent whole
 * (or as the single chunk, when `hangAfterChunks` or `resetAfterChunks` asks for a streamed reply). Bun sends the
 * status and headers together with the first chunk, so a streamed reply with no chunks never answers at all.
 */
export type FakeReply = {
  status?: number
  headers?: Record<string, string>
  body?: string
  chunks?: (string | Uint8Array)[]
  chunkDelayMs?: number
  /** Wait this long before the first chunk, which carries the status and headers: a slow first byte. */
  firstByteDelayMs?: number
  /** After the chunks, keep the connection open and silent until the client goes away. */
  hangAfterChunks?: boolean
  /** After the chunks, drop the connection mid-body, so the client sees a network error rather than a clean end. */
  resetAfterChunks?: boolean
}

/** A running fake upstream. */
export type FakeUpstream = {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string
  anthropicKey: string
  openaiKey: string
  /** Every request in arrival order, including rejected ones. */
  received: ReceivedRequest[]
  /** Queues a reply for the next request that passes validation (first in, first out). */
  enqueue: (reply: FakeReply) => void
  /** Forgets received requests and queued replies. */
  clear: () => void
  /** Ends open reply streams and closes the server with its connections. */
  stop: () => Promise<void>
  /** Reply streams whose body has neither finished nor been cancelled by the client. */
  openStreams: () => number
}

/** How `sseReply` cuts a fixture into chunks. */
export type SseReplyOptions = {
  status?: number
  headers?: Record<string, string>
  /** Cut at this many bytes, ignoring event and UTF-8 boundaries, instead of one chunk per event. */
  chunkSizeBytes?: number
  /** Send only the first N events: with `hangAfterChunks` or `resetAfterChunks`, a stream that stops mid-way. */
  eventsMax?: number
  chunkDelayMs?: number
  hangAfterChunks?: boolean
  resetAfterChunks?: boolean
}

const defaultAnthropicKey = 'sk-ant-api03-fake-upstream-anthropic-key-000000'
const defaultOpenAIKey = 'sk-proj-fake-upstream-openai-key-0000000000000'
const encoder = new TextEncoder()
/** How long a reset waits for Bun to flush the chunks before it, so the client gets the bytes and then the error. */
const resetFlushDelayMs = 20

/** The recorded `text` fixtures answered when no reply is queued; count_tokens has no streaming form. */
type DefaultReplies = Record<FakeRoute, { complete: string; stream?: string }>

/** Starts the fake on an ephemeral loopback port. */
export async function startFakeUpstream(options?: {
  anthropicKey?: string
  openaiKey?: string
}): Promise<FakeUpstream> {
  const anthropicKey = options?.anthropicKey ?? defaultAnthropicKey
  const openaiKey = options?.openaiKey ?? defaultOpenAIKey
  const defaults = await loadDefaultReplies()
  const received: ReceivedRequest[] = []
  const queue: FakeReply[] = []
  // Each open stream registers how to abandon it, so stop() can end hung streams and openStreams() can count them.
  const openStreamAbandons = new Set<() => void>()
  let requestCount = 0

  const toResponse = (reply: FakeReply, route: FakeRoute | undefined, requestId: string): Response => {
    const headers = new Headers(reply.headers)
    const requestIdHeader = route === 'openai-chat' || route === 'openai-responses' ? 'x-request-id' : 'request-id'
    if (!headers.has(requestIdHeader)) headers.set(requestIdHeader, requestId)
    const status = reply.status ?? 200
    const streamed = reply.chunks !== undefined || reply.hangAfterChunks === true || reply.resetAfterChunks === true || reply.firstByteDelayMs !== undefined
    if (!streamed) return new Response(reply.body ?? '', { status, headers })
    const chunks = reply.chunks ?? (reply.body === undefined ? [] : [reply.body])
    return new Response(replyStream(reply, chunks, openStreamAbandons), { status, headers })
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    // Bun would cut a silent connection after 10 s; hung-stream tests need it open until the client leaves.
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url)
      const record: ReceivedRequest = {
        method: request.method,
        path: url.pathname,
        search: url.search,
        headers: new Headers(request.headers),
        bodyText: '',
      }
      // Recorded before the body is read, so concurrent requests keep their arrival order.
      received.push(record)
      record.bodyText = await request.text()
      requestCount += 1
      const route = matchRoute(request.method, url.pathname)
      const requestId = fakeRequestId(route, requestCount)
      if (route === undefined) {
        const rejection = notFoundRejection(request.method, url.pathname, record.headers, requestId)
        return toResponse(jsonReply(rejection.body, rejection.status), route, requestId)
      }
      const context = { anthropicKey, openaiKey, requestId }
      const validation = validateRequest(route, record.headers, record.bodyText, context)
      if (!validation.ok)
        return toResponse(jsonReply(validation.rejection.body, validation.rejection.status), route, requestId)
      const reply = queue.shift() ?? defaultReply(defaults[route], validation.body.stream === true)
      return toResponse(reply, route, requestId)
    },
  })

  return {
    url: `http://127.0.0.1:${server.port}`,
    anthropicKey,
    openaiKey,
    received,
    enqueue: (reply) => {
      queue.push(reply)
    },
    clear: () => {
      received.length = 0
      queue.length = 0
    },
    stop: async () => {
      for (const abandon of [...openStreamAbandons]) abandon()
      await server.stop(true)
    },
    openStreams: () => openStreamAbandons.size,
  }
}

/** A reply carrying an SSE fixture, by default one chunk per event, as the real APIs write and flush them. */
export function sseReply(fixtureText: string, options: SseReplyOptions = {}): FakeReply {
  const events = splitEvents(fixtureText)
  const sent = options.eventsMax === undefined ? events : events.slice(0, options.eventsMax)
  const chunks = options.chunkSizeBytes === undefined ? sent : rechunk(sent.join(''), options.chunkSizeBytes)
  const reply: FakeReply = {
    status: options.status ?? 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...options.headers },
    chunks,
  }
  if (options.chunkDelayMs !== undefined) reply.chunkDelayMs = options.chunkDelayMs
  if (options.hangAfterChunks !== undefined) reply.hangAfterChunks = options.hangAfterChunks
  if (options.resetAfterChunks !== undefined) reply.resetAfterChunks = options.resetAfterChunks
  return reply
}

/** A JSON reply. A string body is sent byte for byte (a fixture); anything else is serialised. */
export function jsonReply(body: unknown, status = 200): FakeReply {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }
}

function replyStream(
  reply: FakeReply,
  chunks: (string | Uint8Array)[],
  openStreamAbandons: Set<() => void>,
): ReadableStream<Uint8Array> {
  const delayMs = reply.chunkDelayMs ?? 0
  let nextIndex = 0
  let settled = false
  let wakeHang: (() => void) | undefined
  const settle = () => {
    if (settled) return
    settled = true
    openStreamAbandons.delete(settle)
    wakeHang?.()
  }
  openStreamAbandons.add(settle)
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = chunks[nextIndex]
        if (chunk !== undefined) {
          if (nextIndex > 0 && delayMs > 0) await Bun.sleep(delayMs)
          if (nextIndex === 0 && (reply.firstByteDelayMs ?? 0) > 0) await Bun.sleep(reply.firstByteDelayMs ?? 0)
          // The client may have gone during the delay; a cancelled stream takes no more chunks.
          if (settled) return
          controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)
          nextIndex += 1
          return
        }
        if (reply.hangAfterChunks === true && !settled) {
          await new Promise<void>((resolve) => {
            wakeHang = resolve
          })
          return
        }
        if (settled) return
        if (reply.resetAfterChunks === true) {
          // Bun writes enqueued chunks asynchronously: erroring at once would drop the last chunks, even the headers.
          await Bun.sleep(resetFlushDelayMs)
          if (settled) return
          settle()
          // No reason on purpose: Bun prints any reason to stderr, and the client sees ECONNRESET either way.
          controller.error()
          return
        }
        settle()
        controller.close()
      },
      cancel() {
        settle()
      },
    },
    // Write a chunk only when the server asks for one, so chunkDelayMs spaces the writes on the wire.
    { highWaterMark: 0 },
  )
}

function defaultReply(replies: { complete: string; stream?: string }, streaming: boolean): FakeReply {
  return streaming && replies.stream !== undefined ? sseReply(replies.stream) : jsonReply(replies.complete)
}

async function loadDefaultReplies(): Promise<DefaultReplies> {
  const [anthropicText, anthropicStream, countTokens, chatText, chatStream, responsesText, responsesStream] =
    await Promise.all([
      readFixture('upstream/anthropic/text.response.json'),
      readFixture('upstream/anthropic/text.stream.sse'),
      readFixture('upstream/anthropic/count-tokens.response.json'),
      readFixture('upstream/openai-chat/text.response.json'),
      readFixture('upstream/openai-chat/text.stream.sse'),
      readFixture('upstream/openai-responses/text.response.json'),
      readFixture('upstream/openai-responses/text.stream.sse'),
    ])
  return {
    'anthropic-messages': { complete: anthropicText, stream: anthropicStream },
    'anthropic-count-tokens': { complete: countTokens },
    'openai-chat': { complete: chatText, stream: chatStream },
    'openai-responses': { complete: responsesText, stream: responsesStream },
  }
}

/** Splits SSE text after each blank line, keeping the separators, so the pieces join back to the same bytes. */
function splitEvents(text: string): string[] {
  return text.split(/(?<=\r\n\r\n|\n\n)/).filter((event) => event.length > 0)
}

/** Request ids in each API's own format, numbered so a failing test names the same id on every run. */
function fakeRequestId(route: FakeRoute | undefined, count: number): string {
  const serial = String(count).padStart(12, '0')
  return route === 'openai-chat' || route === 'openai-responses'
    ? `req_fake${serial}00000000000000000000`
    : `req_011CFake${serial}`
}
