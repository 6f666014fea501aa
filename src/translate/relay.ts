import type { Dialect } from '../core/dialect.ts'
import { classifyUpstreamStatus, fail, GatewayFailure, gatewayError } from '../core/error.ts'
import type { Provider } from '../core/provider.ts'
import type { SseFrame } from '../core/stream.ts'
import { retryAfterMsOf } from './retry-policy.ts'
import { passthroughStream, type FrameTranslator, type StreamOutcome } from './passthrough-stream.ts'

export type RelayLimits = { keepaliveIntervalMs: number; streamIdleTimeoutMs: number; eventBytesMax: number; bodyBytesMax: number }

/** How a translated call turns the upstream's answer into the caller's dialect. */
export type Translation = {
  /** The caller's dialect (the relay's `dialect` is the upstream's). */
  callerDialect: Dialect
  /** A whole answer, upstream JSON text → caller JSON text. */
  translateWhole: (bodyText: string) => string
  /** A fresh frame translator for one stream. */
  createTranslator: () => FrameTranslator
}

export type RelayInput = {
  /** The provider that answered, named in errors. */
  provider: Pick<Provider, 'id'>
  /** The dialect the upstream speaks (the caller's too, unless `translation` says otherwise). */
  dialect: Dialect
  translation?: Translation
  requestId: string
  limits: RelayLimits
  now: () => number
  /** Removes provider credentials from text relayed to the caller. */
  scrub: (text: string) => string
  /** Events kept from the caller (the forced Chat usage chunk). */
  dropFrame?: (frame: SseFrame) => boolean
  /** A whole answer arrived: returns headers to add (the cost). */
  onWhole: (bodyText: string) => Record<string, string>
  /** A stream ended: returns the final SSE comment to write (the cost), if any. */
  onStreamEnd: (outcome: StreamOutcome, meter: ReturnType<Dialect['createStreamMeter']>) => Promise<string | undefined>
}

/** An upstream's answer as dispatch got it (src/routes/dispatch.ts): the response, and its link to the caller. */
export type UpstreamAnswer = {
  response: Response
  /** Cancels the upstream request (the caller left, or a stream failed). */
  abortUpstream: () => void
  /** Stops following the caller's signal, once the answer is fully relayed. */
  detach: () => void
}

/** What came back: the upstream's own error (relayed, nothing to bill), a whole answer, or a stream. */
export type RelayResult = { kind: 'upstream-error' | 'whole' | 'stream'; response: Response }

/**
 * Relays an upstream's answer. Successful bodies pass byte for byte (streams through the SSE relay, which adds
 * keepalive and ends cut streams properly), or through the translation. Upstream errors already in the caller's
 * dialect pass as they are; anything else (an HTML page from a proxy, a refused gateway credential) becomes the
 * gateway's own error, so the caller always gets its dialect's envelope and never a provider secret.
 */
export async function relay(answer: UpstreamAnswer, input: RelayInput): Promise<RelayResult> {
  const upstream = answer.response
  const { abortUpstream } = answer
  if (!upstream.ok) {
    answer.detach()
    return { kind: 'upstream-error', response: await upstreamError(upstream, input, abortUpstream) }
  }

  const callerDialect = input.translation?.callerDialect ?? input.dialect
  const upstreamType = upstream.headers.get('content-type') ?? 'application/json'
  const contentType = input.translation === undefined ? upstreamType : upstreamType.startsWith('text/event-stream') ? 'text/event-stream; charset=utf-8' : 'application/json'
  const headers: Record<string, string> = { 'content-type': contentType, [callerDialect.requestIdHeader]: input.requestId }
  if (upstream.body === null || !contentType.startsWith('text/event-stream')) {
    // A whole answer is read completely (it is small, and its usage decides the cost header) and sent as it came.
    let bodyText: string
    try {
      bodyText = await readText(upstream, { bytesMax: Number.POSITIVE_INFINITY, idleMs: input.limits.streamIdleTimeoutMs }, abortUpstream)
    } catch (error) {
      if (error instanceof GatewayFailure) throw error
      return fail('provider_error', `The upstream provider ${input.provider.id} broke off its answer.`)
    } finally {
      answer.detach()
    }
    const extraHeaders = input.onWhole(bodyText)
    const callerText = input.translation === undefined ? bodyText : input.translation.translateWhole(bodyText)
    const response = new Response(callerText, { status: upstream.status, headers: { ...headers, ...extraHeaders } })
    return { kind: 'whole', response }
  }
  headers['cache-control'] = 'no-cache'
  headers['x-accel-buffering'] = 'no'
  const meter = input.dialect.createStreamMeter()
  const stream = passthroughStream(upstream.body, {
    tracker: callerDialect.createStreamTracker(),
    ...(input.translation === undefined ? {} : { translator: input.translation.createTranslator() }),
    meter,
    ...(input.dropFrame === undefined ? {} : { dropFrame: input.dropFrame }),
    requestId: input.requestId,
    keepaliveIntervalMs: input.limits.keepaliveIntervalMs,
    idleTimeoutMs: input.limits.streamIdleTimeoutMs,
    eventBytesMax: input.limits.eventBytesMax,
    abortUpstream,
    now: input.now,
    onEnd: (outcome) => {
      answer.detach()
      return input.onStreamEnd(outcome, meter)
    },
  })
  return { kind: 'stream', response: new Response(stream, { status: upstream.status, headers }) }
}

/** Upstream headers worth relaying with an error: how long to wait, and whether to retry at all. */
const retryHeaders = ['retry-after', 'retry-after-ms', 'x-should-retry']

async function upstreamError(upstream: Response, input: RelayInput, abortUpstream: () => void): Promise<Response> {
  const text = input.scrub(await readText(upstream, { bytesMax: input.limits.bodyBytesMax, idleMs: input.limits.streamIdleTimeoutMs }, abortUpstream))
  const code = classifyUpstreamStatus(upstream.status)
  if (upstream.status === 401 || upstream.status === 403) {
    return fail(code, `The upstream provider ${input.provider.id} refused the gateway's credentials (status ${upstream.status}).`, {
      upstream: { provider: input.provider.id, status: upstream.status, body: text },
    })
  }
  if (input.translation !== undefined) {
    // Another dialect's error body means nothing to the caller: keep its message, in the caller's envelope.
    throw new GatewayFailure(
      gatewayError(code, upstreamMessage(text) ?? `The upstream provider ${input.provider.id} failed with status ${upstream.status}.`, {
        ...(code === 'caller_invalid_request' || code === 'caller_not_found' || code === 'caller_request_too_large' ? { status: upstream.status } : {}),
        ...retryAfter(upstream, input.now()),
        upstream: { provider: input.provider.id, status: upstream.status, body: text },
      }),
    )
  }
  if (!isDialectError(input.dialect, text)) {
    throw new GatewayFailure(
      gatewayError(code, `The upstream provider ${input.provider.id} failed with status ${upstream.status}.`, {
        ...(code === 'caller_invalid_request' || code === 'caller_not_found' ? { status: upstream.status } : {}),
        ...retryAfter(upstream, input.now()),
        upstream: { provider: input.provider.id, status: upstream.status, body: text },
      }),
    )
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', [input.dialect.requestIdHeader]: input.requestId }
  for (const name of retryHeaders) {
    const value = upstream.headers.get(name)
    if (value !== null) headers[name] = value
  }
  return new Response(text, { status: upstream.status, headers })
}

/** The upstream's `retry-after` (read as dispatch reads it), as milliseconds for a GatewayError. */
function retryAfter(upstream: Response, nowMs: number): { retryAfterMs?: number } {
  const milliseconds = retryAfterMsOf(upstream.headers, nowMs)
  return milliseconds !== undefined && milliseconds > 0 ? { retryAfterMs: milliseconds } : {}
}

/** The human message inside an Anthropic or OpenAI error body, if it has one. */
function upstreamMessage(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message
    return typeof message === 'string' && message !== '' ? message : undefined
  } catch {
    // Not JSON: the caller gets the gateway's own wording instead.
    return undefined
  }
}

/** Whether an error body is already in the dialect's own envelope, and so can be relayed as it is. */
function isDialectError(dialect: Dialect, text: string): boolean {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the gateway writes its own error instead.
    return false
  }
  if (typeof parsed !== 'object' || parsed === null) return false
  const error = (parsed as { error?: unknown }).error
  if (typeof error !== 'object' || error === null) return false
  if (dialect.name === 'anthropic') return (parsed as { type?: unknown }).type === 'error' && typeof (error as { type?: unknown }).type === 'string'
  return typeof (error as { message?: unknown }).message === 'string'
}

/**
 * A body read whole, no further than `bytesMax` (an upstream streaming a huge error page cannot fill memory) and with
 * a stream's idle timeout between chunks (an upstream that sends its headers and part of the body, then goes silent,
 * would otherwise hold the caller, and its hold, until the caller gives up).
 */
async function readText(response: Response, limits: { bytesMax: number; idleMs: number }, abortUpstream: () => void): Promise<string> {
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let totalBytes = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    while (totalBytes < limits.bytesMax) {
      const silence = new Promise<'silent'>((resolve) => (timer = setTimeout(() => resolve('silent'), limits.idleMs)))
      const next = await Promise.race([reader.read(), silence])
      clearTimeout(timer)
      if (next === 'silent') {
        abortUpstream()
        reader.cancel().catch(() => undefined) // abandoned for its silence
        return fail('provider_timeout', `The upstream sent nothing for ${Math.round(limits.idleMs / 1000)} s in the middle of its answer.`)
      }
      if (next.done) break
      chunks.push(next.value)
      totalBytes += next.value.byteLength
    }
  } finally {
    clearTimeout(timer)
  }
  // Whatever is left unread is not wanted; cancelling frees the connection.
  await reader.cancel().catch(() => undefined)
  const bytes = Buffer.concat(chunks, totalBytes)
  return new TextDecoder().decode(bytes.subarray(0, Math.min(totalBytes, limits.bytesMax)))
}
