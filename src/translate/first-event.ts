import { anthropicErrorStatus } from '../dialects/anthropic/error.ts'
import { createSseDecoder } from './sse.ts'

/*
 * Status before stream (WIRE.md §0.3): an upstream can accept a stream with 200 and then fail it in its very first
 * event, Anthropic's `event: error` `overloaded_error` being the common case. Until that first event the caller has
 * seen nothing, so such a stream is as retryable as a 529. The relay waits at most `waitMs` (one keepalive interval)
 * for the first event; after that, or once it is a real event, the stream is passed on with nothing lost.
 */

/** A stream that failed before its first real event: the status its error stands for, or a dropped connection. */
export type FailedStart = { kind: 'status'; status: number; retryAfterMs: undefined } | { kind: 'network' }

/** OpenAI's in-stream error codes worth a status of their own; Anthropic's types go through its own table. */
const statusByOpenAICode: Record<string, number> = { rate_limit_exceeded: 429 }

/**
 * Reads up to the first SSE event of `response` (for at most `waitMs`). Returns either the failure that first event
 * reports (the response's body is then cancelled) or a response that replays what was read and streams on.
 */
export async function peekFirstEvent(response: Response, waitMs: number): Promise<{ failed: FailedStart } | { response: Response }> {
  if (response.body === null) return { response }
  const reader = response.body.getReader()
  const decoder = createSseDecoder()
  const read: Uint8Array[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), waitMs)))
  let ended = false
  try {
    return await readFirst()
  } finally {
    clearTimeout(timer)
  }

  async function readFirst(): Promise<{ failed: FailedStart } | { response: Response }> {
  for (;;) {
    let next: Awaited<ReturnType<typeof reader.read>> | 'late'
    try {
      next = await Promise.race([reader.read(), deadline])
    } catch {
      // The connection dropped before the first event: the caller has seen nothing, so this is retryable too.
      reader.cancel().catch(() => undefined)
      return { failed: { kind: 'network' } }
    }
    if (next === 'late') break
    if (next.done) {
      ended = true
      break
    }
    read.push(next.value)
    const frames = decoder.push(next.value)
    if (frames.length === 0) continue
    const status = failureStatus(frames[0]!.event, frames[0]!.data)
    if (status !== undefined) {
      reader.cancel().catch(() => undefined)
      return { failed: { kind: 'status', status, retryAfterMs: undefined } }
    }
    break
  }
  const body = new ReadableStream<Uint8Array>({
    start: (controller) => {
      for (const chunk of read) controller.enqueue(chunk)
      if (ended) controller.close()
    },
    pull: async (controller) => {
      if (ended) return
      try {
        const { done, value } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value)
      } catch (error) {
        controller.error(error)
      }
    },
    cancel: (reason) => reader.cancel(reason),
  })
  return { response: new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers }) }
  }
}

/** The status a first event's error stands for, or undefined when it is not an error. */
function failureStatus(event: string | undefined, data: string): number | undefined {
  if (event !== undefined && event !== 'error') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(data)
  } catch {
    return undefined
  }
  const error = (parsed as { error?: { type?: unknown; code?: unknown } } | null)?.error
  if (typeof error !== 'object' || error === null) return undefined
  const type = typeof error.type === 'string' ? error.type : typeof error.code === 'string' ? error.code : ''
  return anthropicErrorStatus(type) ?? statusByOpenAICode[type] ?? 500
}
