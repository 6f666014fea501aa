/**
 * A fake Anthropic + OpenAI upstream that fails on purpose, for bench/soak.ts. It answers `POST /v1/messages`
 * (Anthropic), `POST /v1/chat/completions` and `POST /v1/responses` (OpenAI), whole or streamed, in the shapes of the
 * recorded fixtures (bench/upstream-answers.ts), each with a usage it keeps so the soak can work out what the ledger
 * should hold. A share of requests (`faultRate`) gets one fault instead, of a kind drawn evenly from `faultKinds`.
 *
 * Every draw for one upstream request comes from a PRNG seeded by (seed, soak id, attempt number), the soak id being
 * what the caller put in `user-agent: anvat-soak/<id>` (the gateway forwards `user-agent`). So one seed gives each
 * request the same fault, usage and text whatever order requests arrive in, and a retry is a fresh draw.
 *
 *   npx bun bench/fault-upstream.ts [seed] [faultRate]    # standalone, for poking at it with curl
 */
import type { Usage } from '../src/core/usage.ts'
import { buildAnswer, errorResponse, randomBase62, randomUsage, requestIdHeader, type UpstreamEndpoint } from './upstream-answers.ts'

export const faultKinds = ['server-error', 'overloaded', 'rate-limited', 'reset', 'slow-first-byte', 'stall', 'cut'] as const
export type FaultKind = (typeof faultKinds)[number]
export type { UpstreamEndpoint }

/** One request the fake received and what it did with it. */
export type UpstreamAttempt = {
  soakId: string
  endpoint: UpstreamEndpoint
  /** The model the gateway asked for (its `upstreamId`). */
  model: string
  stream: boolean
  fault: FaultKind | undefined
  /** The usage a complete answer reports. */
  usage: Usage
  /** Every byte of a successful answer went out (slow first byte included); false for broken answers and abandoned ones. */
  delivered: boolean
  /** The event with the final usage went out (a stream can stall after it, before its last event). */
  usageSent: boolean
  /** The gateway went away before the answer ended (its idle timeout, the caller leaving, or a retry giving up). */
  abandoned: boolean
}

export type FaultUpstreamOptions = {
  seed: number
  /** Share of upstream requests that get a fault, 0 to 1. */
  faultRate: number
  /** How long `slow-first-byte` waits before the response headers. */
  slowFirstByteMs: number
  /** Pause between stream events, so streams overlap as real ones do. */
  eventDelayMs: number
  /** Most attempts kept for the report; past it the fake still answers but stops recording. */
  attemptsMax: number
}

export type FaultUpstream = {
  url: string
  attemptsBySoakId: Map<string, UpstreamAttempt[]>
  faultCounts: Record<FaultKind, number>
  requestCount: () => number
  /** Streamed answers still open (a stall nobody hung up on shows here). */
  openStreamCount: () => number
  stop: () => Promise<void>
}

const encoder = new TextEncoder()

/** Starts the fake on 127.0.0.1 on a free port. */
export function startFaultUpstream(options: FaultUpstreamOptions): FaultUpstream {
  const attemptsBySoakId = new Map<string, UpstreamAttempt[]>()
  const faultCounts = Object.fromEntries(faultKinds.map((kind) => [kind, 0])) as Record<FaultKind, number>
  let requests = 0
  let recorded = 0
  let openStreams = 0
  let anonymous = 0

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    // Stalls are meant to hold the connection open for as long as the gateway waits.
    idleTimeout: 0,
    fetch: async (request) => {
      const endpoint = endpointOf(request.method, new URL(request.url).pathname)
      if (endpoint === undefined) return Response.json({ error: { message: 'not found', type: 'invalid_request_error' } }, { status: 404 })
      requests += 1
      const body = (await request.json()) as Record<string, unknown>
      const soakId = /anvat-soak\/(\S+)/.exec(request.headers.get('user-agent') ?? '')?.[1] ?? `anonymous-${(anonymous += 1)}`
      const earlier = attemptsBySoakId.get(soakId) ?? []
      const random = seededRandom(`${options.seed}:${soakId}:${earlier.length}`)
      // Both draws always happen, so the rest of the sequence does not depend on whether this one failed.
      const faultDraw = random()
      const kindDraw = random()
      const fault = faultDraw < options.faultRate ? faultKinds[Math.floor(kindDraw * faultKinds.length)] : undefined
      const stream = body.stream === true
      const model = String(body.model)
      const attempt: UpstreamAttempt = { soakId, endpoint, model, stream, fault, usage: randomUsage(random, endpoint), delivered: false, usageSent: false, abandoned: false }
      if (recorded < options.attemptsMax) {
        recorded += 1
        attemptsBySoakId.set(soakId, [...earlier, attempt])
      }
      if (fault !== undefined) faultCounts[fault] += 1
      const answer = buildAnswer(random, attempt, body)
      const breakAfter = 1 + Math.floor(random() * (answer.events.length - 1))
      switch (fault) {
        case 'server-error':
        case 'overloaded':
        case 'rate-limited':
          return errorResponse(endpoint, fault, random)
        case 'reset':
          // Erroring the body before its first chunk makes Bun drop the connection before any header is written.
          return new Response(new ReadableStream({ pull: (controller) => controller.error() }))
        case 'slow-first-byte':
          await Bun.sleep(options.slowFirstByteMs)
          if (request.signal.aborted) {
            attempt.abandoned = true
            return new Response(null, { status: 499 })
          }
      }
      const headers = { [requestIdHeader(endpoint)]: `req_${randomBase62(random, 24)}` }
      const chunks = stream ? answer.events : halves(answer.whole)
      const ending = fault === 'stall' || fault === 'cut' ? { fault, afterChunks: stream ? breakAfter : 1 } : undefined
      if (!stream && ending === undefined) {
        attempt.delivered = attempt.usageSent = true
        return new Response(answer.whole, { headers: { ...headers, 'content-type': 'application/json' } })
      }
      openStreams += 1
      const usageChunk = stream ? answer.usageEvent : chunks.length - 1
      const responseBody = paced(chunks, usageChunk, stream ? options.eventDelayMs : 0, ending, attempt, () => (openStreams -= 1))
      return new Response(responseBody, { headers: { ...headers, 'content-type': stream ? 'text/event-stream; charset=utf-8' : 'application/json' } })
    },
  })

  return {
    url: `http://127.0.0.1:${server.port}`,
    attemptsBySoakId,
    faultCounts,
    requestCount: () => requests,
    openStreamCount: () => openStreams,
    stop: () => server.stop(true),
  }
}

/** A body sent chunk by chunk; a `stall` stops sending and waits for the gateway to hang up, a `cut` drops the connection. */
function paced(
  chunks: string[],
  usageChunk: number,
  delayMs: number,
  ending: { fault: 'stall' | 'cut'; afterChunks: number } | undefined,
  attempt: UpstreamAttempt,
  onClose: () => void,
): ReadableStream<Uint8Array> {
  let sent = 0
  let closed = false
  let wakeStall: () => void = () => undefined
  const close = () => {
    if (closed) return
    closed = true
    onClose()
  }
  return new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      if (ending !== undefined && sent === ending.afterChunks) {
        if (ending.fault === 'cut') {
          close()
          // No argument: Bun then resets the connection without logging a stack trace for it.
          return controller.error()
        }
        await new Promise<void>((resolve) => (wakeStall = resolve))
        return
      }
      if (sent > 0 && delayMs > 0) await Bun.sleep(delayMs)
      if (closed) return
      controller.enqueue(encoder.encode(chunks[sent]!))
      if (sent === usageChunk) attempt.usageSent = true
      sent += 1
      if (sent === chunks.length) {
        attempt.delivered = true
        close()
        controller.close()
      }
    },
    cancel: () => {
      attempt.abandoned = true
      close()
      wakeStall()
    },
  })
}

function endpointOf(method: string, path: string): UpstreamEndpoint | undefined {
  if (method !== 'POST') return undefined
  if (path === '/v1/messages') return 'anthropic'
  if (path === '/v1/chat/completions') return 'openai-chat'
  if (path === '/v1/responses') return 'openai-responses'
  return undefined
}

/** A whole body in two pieces, so `stall` and `cut` can break it after the first. */
function halves(text: string): string[] {
  const middle = Math.floor(text.length / 2)
  return [text.slice(0, middle), text.slice(middle)]
}

/** mulberry32 over an FNV-1a hash of the key: small, fast, and the same sequence for the same key. */
export function seededRandom(key: string): () => number {
  let state = 0x811c9dc5
  for (let index = 0; index < key.length; index++) state = Math.imul(state ^ key.charCodeAt(index), 0x01000193)
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let value = Math.imul(state ^ (state >>> 15), 1 | state)
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296
  }
}

if (import.meta.main) {
  const upstream = startFaultUpstream({
    seed: Number(process.argv[2] ?? 1),
    faultRate: Number(process.argv[3] ?? 0.1),
    slowFirstByteMs: 3_000,
    eventDelayMs: 5,
    attemptsMax: 1_000_000,
  })
  console.log(`fault upstream listening on ${upstream.url}`)
}
