import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { readFixture } from './fixtures.ts'
import { jsonReply, sseReply, startFakeUpstream, type FakeUpstream } from './fake-upstream.ts'

let fake: FakeUpstream

beforeAll(async () => {
  fake = await startFakeUpstream()
})
afterEach(() => {
  fake.clear()
})
afterAll(async () => {
  await fake.stop()
})

const anthropicBody = { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] }
const chatBody = { model: 'gpt-5-mini', messages: [{ role: 'user', content: 'Hi' }] }

function anthropicHeaders(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-api-key': fake.anthropicKey,
    'anthropic-version': '2023-06-01',
    ...overrides,
  }
}
function openAIHeaders(overrides: Record<string, string> = {}): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${fake.openaiKey}`, ...overrides }
}
function post(path: string, headers: Record<string, string>, body: unknown, signal?: AbortSignal): Promise<Response> {
  const init: RequestInit = { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }
  if (signal !== undefined) init.signal = signal
  return fetch(`${fake.url}${path}`, init)
}
type AnthropicErrorBody = { type: string; error: { type: string; message: string }; request_id: string }
type OpenAIErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } }

async function anthropicError(response: Response): Promise<AnthropicErrorBody> {
  return (await response.json()) as AnthropicErrorBody
}
async function openAIError(response: Response): Promise<OpenAIErrorBody> {
  return (await response.json()) as OpenAIErrorBody
}
async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadlineMs) throw new Error('condition not met in time')
    await Bun.sleep(10)
  }
}

describe('Anthropic routes', () => {
  test('missing and wrong x-api-key get the exact 401 body', async () => {
    const missing = await post('/v1/messages', anthropicHeaders({ 'x-api-key': '' }), anthropicBody)
    expect(missing.status).toBe(401)
    const wrong = await post('/v1/messages', anthropicHeaders({ 'x-api-key': 'sk-ant-wrong' }), anthropicBody)
    expect(wrong.status).toBe(401)
    const body = await wrong.text()
    expect(body).toMatch(
      /^\{"type":"error","error":\{"type":"authentication_error","message":"invalid x-api-key"\},"request_id":"req_\w+"\}$/,
    )
    expect(wrong.headers.get('request-id')).toBe(JSON.parse(body).request_id)
  })

  test('a Bearer token alone is not an Anthropic key', async () => {
    const headers = anthropicHeaders({ authorization: `Bearer ${fake.anthropicKey}` })
    delete headers['x-api-key']
    const response = await post('/v1/messages', headers, anthropicBody)
    expect(response.status).toBe(401)
    expect((await anthropicError(response)).error.message).toBe('x-api-key header is required')
  })

  test('anthropic-version is required', async () => {
    const headers = anthropicHeaders()
    delete headers['anthropic-version']
    const response = await post('/v1/messages', headers, anthropicBody)
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
    })
  })

  test.each([
    ['max_tokens missing', { model: 'claude-sonnet-4-6', messages: [] }, 'max_tokens: Field required'],
    [
      'max_tokens not an integer',
      { ...anthropicBody, max_tokens: 10.5 },
      'max_tokens: Input should be a valid integer',
    ],
    ['model missing', { max_tokens: 10, messages: [] }, 'model: Field required'],
    ['messages not a list', { ...anthropicBody, messages: 'Hi' }, 'messages: Input should be a valid list'],
    [
      'an OpenAI-only field',
      { ...anthropicBody, stream_options: { include_usage: true } },
      'stream_options: Extra inputs are not permitted',
    ],
  ])('rejects a body with %s', async (_name, body, message) => {
    const response = await post('/v1/messages', anthropicHeaders(), body)
    expect(response.status).toBe(400)
    const error = await anthropicError(response)
    expect(error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message } })
    expect(error.request_id).toStartWith('req_')
  })

  test('rejects a body that is not a JSON object', async () => {
    for (const body of ['{"model":', '[1,2]']) {
      const response = await post('/v1/messages', anthropicHeaders(), body)
      expect(response.status).toBe(400)
      expect((await anthropicError(response)).error.type).toBe('invalid_request_error')
    }
  })

  test('count_tokens needs no max_tokens and answers the recorded count, with ?beta=true', async () => {
    const response = await post('/v1/messages/count_tokens?beta=true', anthropicHeaders(), {
      model: 'claude-sonnet-4-6',
      messages: [],
    })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(await readFixture('upstream/anthropic/count-tokens.response.json'))
    expect(fake.received[0]?.search).toBe('?beta=true')
  })

  test('answers the text fixtures by default, streaming or not', async () => {
    const complete = await post('/v1/messages?beta=true', anthropicHeaders(), anthropicBody)
    expect(complete.headers.get('content-type')).toBe('application/json')
    expect(await complete.text()).toBe(await readFixture('upstream/anthropic/text.response.json'))
    const streamed = await post('/v1/messages', anthropicHeaders(), { ...anthropicBody, stream: true })
    expect(streamed.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(await streamed.text()).toBe(await readFixture('upstream/anthropic/text.stream.sse'))
  })
})

describe('OpenAI routes', () => {
  test('a missing key gets the 401 with a null code', async () => {
    const response = await post('/v1/chat/completions', { 'content-type': 'application/json' }, chatBody)
    expect(response.status).toBe(401)
    const error = await openAIError(response)
    expect(Object.keys(error.error)).toEqual(['message', 'type', 'param', 'code'])
    expect(error.error).toMatchObject({ type: 'invalid_request_error', param: null, code: null })
    expect(error.error.message).toStartWith("You didn't provide an API key.")
  })

  test('a wrong key gets invalid_api_key with the key masked, never whole', async () => {
    const wrongKey = 'sk-proj-abcdefghijklmnopqrstuvwxyz'
    const response = await post('/v1/responses', openAIHeaders({ authorization: `Bearer ${wrongKey}` }), {
      model: 'gpt-5-mini',
      input: 'Hi',
    })
    expect(response.status).toBe(401)
    const text = await response.text()
    expect(text).not.toContain(wrongKey)
    expect(text).toEndWith('}\n')
    const error = JSON.parse(text).error
    expect(error).toMatchObject({ type: 'invalid_request_error', param: null, code: 'invalid_api_key' })
    expect(error.message).toStartWith('Incorrect API key provided: sk-pro*')
    expect(response.headers.get('x-request-id')).toStartWith('req_')
  })

  test.each([
    ['/v1/chat/completions', { model: 'gpt-5-mini' }, 'messages', 'missing_required_parameter'],
    ['/v1/chat/completions', { messages: [] }, 'model', 'missing_required_parameter'],
    ['/v1/chat/completions', { model: 7, messages: [] }, 'model', 'invalid_type'],
    ['/v1/chat/completions', { ...chatBody, max_tokens: 100 }, 'max_tokens', 'unsupported_parameter'],
    ['/v1/chat/completions', { ...chatBody, stream_options: { include_usage: true } }, 'stream_options', null],
    ['/v1/chat/completions', { ...chatBody, thinking: { type: 'enabled' } }, null, null],
    ['/v1/responses', { model: 'gpt-5-mini' }, 'input', 'missing_required_parameter'],
    ['/v1/responses', { model: 'gpt-5-mini', input: 'Hi', stop: ['x'] }, 'stop', 'unknown_parameter'],
  ])('%s rejects %j', async (path, body, param, code) => {
    const response = await post(path, openAIHeaders(), body)
    expect(response.status).toBe(400)
    expect((await openAIError(response)).error).toMatchObject({ type: 'invalid_request_error', param, code })
  })

  test('max_tokens is fine for a non-reasoning model', async () => {
    const response = await post('/v1/chat/completions', openAIHeaders(), {
      ...chatBody,
      model: 'gpt-4.1-mini',
      max_tokens: 100,
    })
    expect(response.status).toBe(200)
  })

  test('answers the text fixtures by default', async () => {
    const chat = await post('/v1/chat/completions', openAIHeaders(), {
      ...chatBody,
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(await chat.text()).toBe(await readFixture('upstream/openai-chat/text.stream.sse'))
    const responses = await post('/v1/responses', openAIHeaders(), { model: 'gpt-5-mini', input: 'Hi' })
    expect(await responses.text()).toBe(await readFixture('upstream/openai-responses/text.response.json'))
  })
})

describe('routing and recording', () => {
  test('other paths and methods get 404 in the dialect they look like', async () => {
    const models = await fetch(`${fake.url}/v1/models`)
    expect(models.status).toBe(404)
    expect((await openAIError(models)).error.message).toBe('Invalid URL (GET /v1/models)')
    const getMessages = await fetch(`${fake.url}/v1/messages`, { headers: anthropicHeaders() })
    expect(getMessages.status).toBe(404)
    expect((await anthropicError(getMessages)).error.type).toBe('not_found_error')
  })

  test('records every request in order, rejected ones included', async () => {
    await post('/v1/messages?beta=true', anthropicHeaders({ 'x-api-key': 'wrong' }), anthropicBody)
    await post('/v1/chat/completions', openAIHeaders(), chatBody)
    await fetch(`${fake.url}/nowhere`)
    expect(fake.received.map((request) => `${request.method} ${request.path}${request.search}`)).toEqual([
      'POST /v1/messages?beta=true',
      'POST /v1/chat/completions',
      'GET /nowhere',
    ])
    expect(JSON.parse(fake.received[1]?.bodyText ?? '')).toEqual(chatBody)
    expect(fake.received[0]?.headers.get('x-api-key')).toBe('wrong')
  })
})

describe('scripted replies', () => {
  test('replies are served first in, first out, and a rejected request consumes none', async () => {
    fake.enqueue(jsonReply({ first: true }))
    fake.enqueue(jsonReply('{"second":true}', 529))
    await post('/v1/messages', anthropicHeaders({ 'x-api-key': 'wrong' }), anthropicBody)
    const first = await post('/v1/messages', anthropicHeaders(), anthropicBody)
    expect(await first.json()).toEqual({ first: true })
    const second = await post('/v1/chat/completions', openAIHeaders(), chatBody)
    expect(second.status).toBe(529)
    expect(await second.text()).toBe('{"second":true}')
    const fallback = await post('/v1/messages', anthropicHeaders(), anthropicBody)
    expect(await fallback.text()).toBe(await readFixture('upstream/anthropic/text.response.json'))
  })

  test('sseReply cuts one chunk per event, or at a byte size, and can stop after N events', async () => {
    const fixture = await readFixture('upstream/anthropic/multibyte.stream.sse')
    const perEvent = sseReply(fixture).chunks ?? []
    expect(perEvent.join('')).toBe(fixture)
    expect(perEvent.every((chunk) => typeof chunk === 'string' && chunk.endsWith('\n\n'))).toBe(true)
    const bySize = sseReply(fixture, { chunkSizeBytes: 7 }).chunks ?? []
    expect(Buffer.concat(bySize.map((chunk) => Buffer.from(chunk))).toString('utf8')).toBe(fixture)
    expect((sseReply(fixture, { eventsMax: 2 }).chunks ?? []).join('')).toStartWith('event: message_start\n')
    expect(sseReply(fixture, { eventsMax: 2 }).chunks).toHaveLength(2)
  })

  test('chunks arrive one by one, chunkDelayMs apart, and the finished stream is no longer open', async () => {
    const delayMs = 40
    fake.enqueue({
      headers: { 'content-type': 'text/event-stream' },
      chunks: ['a', new TextEncoder().encode('b'), 'c'],
      chunkDelayMs: delayMs,
    })
    const startedMs = performance.now()
    const response = await post('/v1/messages', anthropicHeaders(), { ...anthropicBody, stream: true })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const arrivalsMs: number[] = []
    let text = ''
    for (let result = await reader.read(); !result.done; result = await reader.read()) {
      arrivalsMs.push(performance.now() - startedMs)
      text += new TextDecoder().decode(result.value)
    }
    expect(text).toBe('abc')
    expect(arrivalsMs.length).toBe(3)
    // Loose bound: the writes are spaced by the delay, whatever the scheduler adds on top.
    expect((arrivalsMs[2] ?? 0) - (arrivalsMs[0] ?? 0)).toBeGreaterThanOrEqual(delayMs * 2 * 0.8)
    await waitFor(() => fake.openStreams() === 0)
  })

  test('a client that goes away cancels a hung stream', async () => {
    fake.enqueue(
      sseReply(await readFixture('upstream/anthropic/text.stream.sse'), { eventsMax: 2, hangAfterChunks: true }),
    )
    const abort = new AbortController()
    const response = await post('/v1/messages', anthropicHeaders(), { ...anthropicBody, stream: true }, abort.signal)
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toStartWith('event: message_start')
    expect(fake.openStreams()).toBe(1)
    abort.abort()
    await waitFor(() => fake.openStreams() === 0)
  })

  test('resetAfterChunks cuts the connection so the client sees an error, not a clean end', async () => {
    fake.enqueue({ headers: { 'content-type': 'text/event-stream' }, chunks: ['data: {}\n\n'], resetAfterChunks: true })
    const response = await post('/v1/chat/completions', openAIHeaders(), { ...chatBody, stream: true })
    expect(response.status).toBe(200)
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    const readAll = async () => {
      for (let result = await reader.read(); !result.done; result = await reader.read())
        text += new TextDecoder().decode(result.value)
    }
    await expect(readAll()).rejects.toThrow()
    expect(text).toBe('data: {}\n\n')
    await waitFor(() => fake.openStreams() === 0)
  })

  test('stop() ends streams that are still hanging', async () => {
    const own = await startFakeUpstream({ anthropicKey: 'sk-ant-own', openaiKey: 'sk-own' })
    own.enqueue({ chunks: ['x'], hangAfterChunks: true })
    const response = await fetch(`${own.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-own', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5-mini', input: 'Hi' }),
    })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    expect(own.openStreams()).toBe(1)
    await own.stop()
    expect(own.openStreams()).toBe(0)
    await reader.cancel()
  })
})
