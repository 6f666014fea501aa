/**
 * Helpers for end-to-end tests that drive the gateway with the official SDKs: capture what an SDK put on the wire,
 * read the expected values out of a recorded SSE fixture, and wait for a condition without fixed sleeps.
 */

/** One request as an SDK sent it to the gateway, captured by wrapping the SDK's `fetch`. */
export type SentRequest = { url: string; method: string; headers: Headers; bodyText: string }

/** The `fetch` signature both SDKs accept as their `fetch` option. */
export type SdkFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

/** A `fetch` that records each request into `sent` before passing it on unchanged. */
export function recordingFetch(sent: SentRequest[]): SdkFetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    const body = init?.body
    // Both SDKs serialise JSON bodies to a string; anything else would be a change in the SDK worth failing on.
    if (body !== undefined && body !== null && typeof body !== 'string') {
      throw new Error(`recordingFetch expects a string body, got ${Object.prototype.toString.call(body)}`)
    }
    sent.push({ url, method: init?.method ?? 'GET', headers: new Headers(init?.headers), bodyText: body ?? '' })
    return fetch(input, init)
  }
}

/**
 * The JSON payload of every `data:` line in a recorded fixture, in order, skipping `data: [DONE]`. Fixtures are
 * single-line JSON per event with LF line ends, so this stays independent of the gateway's own SSE parser.
 */
export function fixtureEvents(fixtureText: string): Record<string, unknown>[] {
  return fixtureText
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
    .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>)
}

/** Polls `condition` every 10 ms until it holds, failing with `description` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, description: string, timeoutMs = 2000): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadlineMs) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${description}`)
    await Bun.sleep(10)
  }
}

/** Header values that contain `secret`, as `name: value` lines, for a readable failure message. */
export function headersContaining(headers: Headers, secret: string): string[] {
  const found: string[] = []
  headers.forEach((value, name) => {
    if (value.includes(secret)) found.push(`${name}: ${value}`)
  })
  return found
}

/** Awaits `promise` expecting it to reject, and returns the rejection; fails if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the promise to reject, but it resolved')
}

/** Drains an async iterable, returning what it yielded before it ended or threw, and what it threw. */
export async function drain<Item>(iterable: AsyncIterable<Item>): Promise<{ items: Item[]; thrown: unknown }> {
  const items: Item[] = []
  try {
    for await (const item of iterable) items.push(item)
  } catch (error) {
    return { items, thrown: error }
  }
  return { items, thrown: undefined }
}

const costTrailerPattern = /: x-anvat-cost-usd=(\d+(?:\.\d{1,6})?)\n\n$/

/**
 * Splits a metered stream into the relayed bytes and the cost the gateway appended as its final SSE comment
 * (`: x-anvat-cost-usd=…`). Fails if the trailer is missing, so every caller also checks it is there.
 */
export function splitCostTrailer(text: string): { relayed: string; costUsd: string } {
  const match = costTrailerPattern.exec(text)
  if (match === null) throw new Error(`stream has no cost trailer; it ends with ${JSON.stringify(text.slice(-120))}`)
  return { relayed: text.slice(0, match.index), costUsd: match[1]! }
}
