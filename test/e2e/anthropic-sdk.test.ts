/**
 * The official Anthropic SDK against the gateway, passthrough to an Anthropic upstream: replies (whole and streamed)
 * arrive as the upstream wrote them, and the upstream receives the SDK's own bytes with only the credential and the
 * aliased model changed. Error paths are in anthropic-sdk-errors.test.ts.
 */
import Anthropic from '@anthropic-ai/sdk'
import { beforeEach, describe, expect, test } from 'bun:test'
import { jsonReply, sseReply, type SseReplyOptions } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { useListeningGateway } from '../support/gateway.ts'
import { drain, fixtureEvents, headersContaining, recordingFetch, splitCostTrailer, type SentRequest } from '../support/sdk-traffic.ts'

const setup = useListeningGateway({ limits: { countCacheTtlMs: 0 } })
const sent: SentRequest[] = []

beforeEach(() => {
  sent.length = 0
})

function anthropicClient(): Anthropic {
  return new Anthropic({ baseURL: setup.gateway.url, apiKey: setup.gateway.key, maxRetries: 0, fetch: recordingFetch(sent) })
}

const params = { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'Hi' }] }

async function enqueueStream(fixture: string, options: SseReplyOptions = {}): Promise<string> {
  const text = await readFixture(`upstream/anthropic/${fixture}`)
  setup.upstream.enqueue(sseReply(text, options))
  return text
}

type Block = Record<string, unknown>

/** The content blocks a recorded stream describes: deltas appended in order, tool input parsed from its partial_json. */
function contentOfStream(fixtureText: string): Block[] {
  const blocks: Block[] = []
  const partialJson: string[] = []
  for (const event of fixtureEvents(fixtureText)) {
    if (event.type === 'content_block_start') {
      blocks.push({ ...(event.content_block as Block) })
      partialJson.push('')
    }
    if (event.type !== 'content_block_delta') continue
    const index = event.index as number
    const block = blocks[index]!
    const delta = event.delta as Record<string, string>
    if (delta.type === 'text_delta') block.text = `${block.text}${delta.text}`
    if (delta.type === 'thinking_delta') block.thinking = `${block.thinking}${delta.thinking}`
    if (delta.type === 'signature_delta') block.signature = `${block.signature}${delta.signature}`
    if (delta.type === 'input_json_delta') partialJson[index] += delta.partial_json!
  }
  return blocks.map((block, index) =>
    block.type === 'tool_use' ? { ...block, input: JSON.parse(partialJson[index]!) } : block,
  )
}

describe('replies', () => {
  test('a whole reply is the upstream JSON, with the gateway request id in header and _request_id', async () => {
    const fixture = await readFixture('upstream/anthropic/text.response.json')
    setup.upstream.enqueue(jsonReply(fixture))
    const promise = anthropicClient().messages.create(params)
    const [message, response] = await Promise.all([promise, promise.asResponse()])
    expect(message).toEqual(JSON.parse(fixture))
    expect(response.headers.get('request-id')).toMatch(/^req_\w+$/)
    expect(message._request_id).toBe(response.headers.get('request-id'))
  })

  test('countTokens returns the upstream count from /v1/messages/count_tokens', async () => {
    const count = await anthropicClient().messages.countTokens({ model: params.model, messages: params.messages })
    expect(count).toEqual(JSON.parse(await readFixture('upstream/anthropic/count-tokens.response.json')))
    expect(setup.upstream.received.map((request) => request.path)).toEqual(['/v1/messages/count_tokens'])
  })
})

describe('streams', () => {
  const cases = [
    {
      fixture: 'text.stream.sse',
      last: { type: 'text', text: "Hello! I'm doing well, thanks for asking. How can I help you today?" },
    },
    {
      fixture: 'tool-use.stream.sse',
      last: { type: 'tool_use', input: { location: 'San Francisco, CA', unit: 'fahrenheit' } },
    },
    { fixture: 'thinking.stream.sse', last: { type: 'text', text: 'No. 1,073 is not prime: it factors as 29 × 37.' } },
    {
      fixture: 'thinking-tool-use.stream.sse',
      last: { type: 'tool_use', input: { location: 'Tokyo, Japan', unit: 'celsius' } },
    },
  ]

  test.each(cases)('$fixture: finalMessage() holds every block as streamed', async ({ fixture, last }) => {
    const fixtureText = await enqueueStream(fixture)
    const expected = contentOfStream(fixtureText)
    // Anchors the fixture-derived expectation to known values, so a broken oracle cannot pass unnoticed.
    expect(expected.at(-1)).toMatchObject(last)
    const message = await anthropicClient().messages.stream(params).finalMessage()
    expect<unknown>(message.content).toEqual(expected)
    const messageDelta = fixtureEvents(fixtureText).find((event) => event.type === 'message_delta')!
    expect(message.stop_reason).toBe((messageDelta.delta as { stop_reason: Anthropic.StopReason }).stop_reason)
    expect(message.usage.output_tokens).toBe((messageDelta.usage as { output_tokens: number }).output_tokens)
  })

  test.each(cases)('$fixture: raw create({stream:true}) yields every event but ping', async ({ fixture }) => {
    const fixtureText = await enqueueStream(fixture)
    const stream = await anthropicClient().messages.create({ ...params, stream: true })
    const { items, thrown } = await drain(stream)
    expect(thrown).toBeUndefined()
    expect<unknown>(items).toEqual(fixtureEvents(fixtureText).filter((event) => event.type !== 'ping'))
  })

  test('thinking: the signature reaches the client byte for byte', async () => {
    const fixtureText = await enqueueStream('thinking.stream.sse')
    const isSignature = (event: Block) => (event.delta as Block | undefined)?.type === 'signature_delta'
    const signatureDelta = fixtureEvents(fixtureText).find(isSignature)
    const signature = (signatureDelta!.delta as { signature: string }).signature
    expect(signature.length).toBeGreaterThan(100)
    const message = await anthropicClient().messages.stream(params).finalMessage()
    expect(message.content[0]).toMatchObject({ type: 'thinking', signature })
  })

  const perEvent = { label: 'one chunk per event', options: {} }
  const rawCases: { fixture: string; label: string; options: SseReplyOptions }[] = [
    { fixture: 'text.stream.sse', ...perEvent },
    { fixture: 'tool-use.stream.sse', ...perEvent },
    { fixture: 'thinking.stream.sse', ...perEvent },
    { fixture: 'thinking-tool-use.stream.sse', ...perEvent },
    // Small chunks cut events, lines and multibyte characters at arbitrary points.
    { fixture: 'multibyte.stream.sse', label: '7-byte chunks', options: { chunkSizeBytes: 7 } },
    { fixture: 'text.stream.sse', label: '1-byte chunks', options: { chunkSizeBytes: 1 } },
  ]
  test.each(rawCases)('$fixture in $label: the client receives the exact upstream bytes', async ({ fixture, options }) => {
    const fixtureText = await enqueueStream(fixture, options)
    const response = await anthropicClient().messages.create({ ...params, stream: true }).asResponse()
    expect(response.headers.get('content-type')).toStartWith('text/event-stream')
    expect(response.headers.get('request-id')).toMatch(/^req_\w+$/)
    expect(splitCostTrailer(await response.text()).relayed).toBe(fixtureText)
  })
})

describe('what the upstream receives', () => {
  const richParams = {
    model: 'claude-sonnet-4-6',
    max_tokens: 512,
    system: [{ type: 'text' as const, text: 'Be brief. Ünïcödé ☀️ and "quotes" survive.' }],
    temperature: 0.25,
    metadata: { user_id: 'user-123' },
    tools: [
      {
        name: 'get_weather',
        description: 'Weather',
        input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
      },
    ],
    messages: [{ role: 'user' as const, content: 'What is the weather in Zürich?' }],
  }

  test('the SDK body bytes, the provider x-api-key, and the anthropic-* headers', async () => {
    const beta = 'interleaved-thinking-2025-05-14,token-efficient-tools-2025-02-19'
    await anthropicClient().messages.create(richParams, { headers: { 'anthropic-beta': beta } })
    expect(sent).toHaveLength(1)
    expect(setup.upstream.received).toHaveLength(1)
    const received = setup.upstream.received[0]!
    expect(received.path).toBe('/v1/messages')
    expect(received.bodyText).toBe(sent[0]!.bodyText)
    expect(JSON.parse(received.bodyText)).toEqual(richParams)
    expect(received.headers.get('x-api-key')).toBe(setup.upstream.anthropicKey)
    expect(received.headers.get('authorization')).toBeNull()
    expect(headersContaining(received.headers, setup.gateway.key)).toEqual([])
    expect(sent[0]!.headers.get('anthropic-version')).not.toBeNull()
    expect(received.headers.get('anthropic-version')).toBe(sent[0]!.headers.get('anthropic-version'))
    expect(received.headers.get('anthropic-beta')).toBe(beta)
  })

  test('a caller x-api-key (older SDKs, Claude Code) is replaced by the provider key too', async () => {
    const client = new Anthropic({
      baseURL: setup.gateway.url,
      apiKey: null,
      authToken: null,
      defaultHeaders: { 'x-api-key': setup.gateway.key },
      maxRetries: 0,
      fetch: recordingFetch(sent),
    })
    await client.messages.create(params)
    expect(sent[0]!.headers.get('x-api-key')).toBe(setup.gateway.key)
    expect(sent[0]!.headers.get('authorization')).toBeNull()
    expect(setup.upstream.received[0]!.headers.get('x-api-key')).toBe(setup.upstream.anthropicKey)
    expect(headersContaining(setup.upstream.received[0]!.headers, setup.gateway.key)).toEqual([])
  })

  test('an alias changes only the top-level model, to the upstream id', async () => {
    // A nested "model" string must survive: only the top-level key names the model.
    const messages = [
      { role: 'user' as const, content: 'Pick a model' },
      {
        role: 'assistant' as const,
        content: [{ type: 'tool_use' as const, id: 'toolu_01', name: 'pick', input: { model: 'claude-alias' } }],
      },
      { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: 'toolu_01', content: 'ok' }] },
    ]
    await anthropicClient().messages.create({ ...params, model: 'claude-alias', messages })
    const sentBody = sent[0]!.bodyText
    expect(sentBody).toStartWith('{"model":"claude-alias",')
    const received = setup.upstream.received[0]!
    expect(received.bodyText).toBe(sentBody.replace('"model":"claude-alias"', '"model":"claude-sonnet-4-6"'))
    expect(JSON.parse(received.bodyText)).toEqual({ ...params, model: 'claude-sonnet-4-6', messages })
  })

  test('a hand-written body keeps its exact bytes through an alias: only the model value changes', async () => {
    // The SDK's own bodies are canonical JSON.stringify output, which a re-serialising gateway would reproduce; this
    // one (sent through the SDK's raw post) has spacing, escapes and number spellings that re-serialising would lose.
    const body = '{ "max_tokens" : 1.0e3, "model" : "claude-alias",\n  "messages": [{"role": "user", "content": "Z\\u00fcrich \\"hi\\""}]}'
    const message = await anthropicClient().post<Anthropic.Message>('/v1/messages', {
      body,
      headers: { 'content-type': 'application/json' },
    })
    expect(message.type).toBe('message')
    expect(sent[0]!.bodyText).toBe(body)
    expect(setup.upstream.received[0]!.bodyText).toBe(body.replace('"claude-alias"', '"claude-sonnet-4-6"'))
  })

  test('?beta=true on messages and count_tokens reaches the upstream with the same path', async () => {
    const client = anthropicClient()
    const betas = ['interleaved-thinking-2025-05-14']
    // SDK 1.14 marks beta calls internally but puts no `?beta=true` on the URL; Claude Code does, so send it as it does.
    await client.beta.messages.create({ ...params, betas }, { query: { beta: 'true' } })
    const countParams = { model: params.model, messages: params.messages, betas }
    await client.beta.messages.countTokens(countParams, { query: { beta: 'true' } })
    expect(sent.map((request) => new URL(request.url).search)).toEqual(['?beta=true', '?beta=true'])
    const received = setup.upstream.received.map((request) => ({ path: request.path, search: request.search }))
    expect(received).toEqual([
      { path: '/v1/messages', search: '?beta=true' },
      { path: '/v1/messages/count_tokens', search: '?beta=true' },
    ])
    expect(setup.upstream.received[0]!.headers.get('anthropic-beta')).toBe('interleaved-thinking-2025-05-14')
    expect(setup.upstream.received[1]!.headers.get('anthropic-beta')).toStartWith('interleaved-thinking-2025-05-14')
    expect(setup.upstream.received.map((request) => request.bodyText)).toEqual(sent.map((request) => request.bodyText))
  })
})
