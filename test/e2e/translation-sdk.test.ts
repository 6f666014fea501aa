/**
 * Any client reaches any model: the OpenAI SDK on a Claude model (Chat Completions → Anthropic upstream) and the
 * Anthropic SDK on a GPT model (Messages → Chat Completions upstream), whole and streamed, with tools, through the
 * SDKs' own accumulators; the upstream receives a valid request in its own dialect, the caller's model id is echoed,
 * and the cost is the upstream's usage at the model's price.
 */
import Anthropic from '@anthropic-ai/sdk'
import { describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { parseUsdToMicros } from '../../src/core/money.ts'
import { jsonReply, sseReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { useListeningGateway } from '../support/gateway.ts'
import { splitCostTrailer } from '../support/sdk-traffic.ts'

const setup = useListeningGateway()

const openai = () => new OpenAI({ baseURL: `${setup.gateway.url}/v1`, apiKey: setup.gateway.key, maxRetries: 0 })
const anthropic = () => new Anthropic({ baseURL: setup.gateway.url, apiKey: setup.gateway.key, maxRetries: 0 })
const weatherTool = { name: 'get_weather', description: 'Weather for a place', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } }

describe('OpenAI SDK → Claude model', () => {
  test('a whole answer: text, finish reason, usage with the cache write inside the prompt, the caller’s model id', async () => {
    setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
    const { data, response } = await openai()
      .chat.completions.create({ model: 'claude-alias', messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'How are you?' }] })
      .withResponse()
    expect(data.choices[0]?.message.content).toBe("Hello! I'm doing well, thanks for asking. How can I help you today?")
    expect(data.choices[0]?.finish_reason).toBe('stop')
    expect(data.model).toBe('claude-alias')
    expect(data.id).toStartWith('chatcmpl-')
    expect(data.usage).toMatchObject({ prompt_tokens: 14 + 2077, completion_tokens: 19, total_tokens: 14 + 2077 + 19 })
    // 14 × 3 + 2,077 cache writes × 3.75 + 19 × 15 = 8,115.75 → 8,116 micro-USD: the Anthropic usage, priced.
    expect(response.headers.get('x-anvat-cost-usd')).toBe('0.008116')
    const sent = JSON.parse(setup.upstream.received[0]!.bodyText)
    expect(setup.upstream.received[0]!.path).toBe('/v1/messages')
    expect(setup.upstream.received[0]!.headers.get('x-api-key')).toBe(setup.upstream.anthropicKey)
    expect(sent).toMatchObject({ model: 'claude-sonnet-4-6', system: [{ type: 'text', text: 'Be kind.' }] })
    expect(sent.max_tokens).toBeGreaterThan(0)
    expect(sent.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'How are you?' }] }])
  })

  test('a stream through ChatCompletionStream, with usage when asked', async () => {
    setup.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/text.stream.sse'), { chunkSizeBytes: 7 }))
    const completion = await openai()
      .chat.completions.stream({ model: 'claude-sonnet-4-6', stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'How are you?' }] })
      .finalChatCompletion()
    expect(completion.choices[0]?.message.content).toBe("Hello! I'm doing well, thanks for asking. How can I help you today?")
    expect(completion.choices[0]?.finish_reason).toBe('stop')
    expect(completion.usage).toMatchObject({ prompt_tokens: 14 + 2077, completion_tokens: 19 })
  })

  test('a tool call streamed from Claude arrives as a Chat tool call with its whole arguments', async () => {
    setup.upstream.enqueue(sseReply(await readFixture('upstream/anthropic/tool-use.stream.sse')))
    const completion = await openai()
      .chat.completions.stream({ model: 'claude-sonnet-4-6', tools: [{ type: 'function', function: weatherTool }], messages: [{ role: 'user', content: 'Weather in SF?' }] })
      .finalChatCompletion()
    const call = completion.choices[0]?.message.tool_calls?.[0]
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls')
    expect(call?.type === 'function' && call.function.name).toBe('get_weather')
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toMatchObject({ location: 'San Francisco, CA' })
    expect(JSON.parse(setup.upstream.received[0]!.bodyText).tools).toEqual([{ name: 'get_weather', description: weatherTool.description, input_schema: weatherTool.parameters }])
  })

  test('an Anthropic overload becomes an OpenAI 503 the SDK understands', async () => {
    setup.upstream.enqueue({ ...jsonReply(await readFixture('upstream/anthropic/error-overloaded.json'), 529), headers: { 'content-type': 'application/json' } })
    const error = await openai()
      .chat.completions.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(OpenAI.InternalServerError)
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503)
  })
})

describe('Anthropic SDK → GPT model', () => {
  test('a whole answer: text, stop reason, usage, the caller’s model id; the upstream gets a Chat request', async () => {
    setup.upstream.enqueue(jsonReply(await readFixture('upstream/openai-chat/text.response.json')))
    const { data, response } = await anthropic()
      .messages.create({ model: 'gpt-alias', max_tokens: 256, system: 'Be kind.', messages: [{ role: 'user', content: 'Hello' }] })
      .withResponse()
    expect<unknown>(data.content).toEqual([{ type: 'text', text: 'Hello! How can I help you today?' }])
    expect(data.stop_reason).toBe('end_turn')
    expect(data.model).toBe('gpt-alias')
    expect(data.usage).toMatchObject({ input_tokens: 12, output_tokens: 78, cache_read_input_tokens: 0 })
    expect(parseUsdToMicros(response.headers.get('x-anvat-cost-usd')!)).toBe(12 * 3 + 78 * 15)
    const sent = JSON.parse(setup.upstream.received[0]!.bodyText)
    expect(setup.upstream.received[0]!.path).toBe('/v1/chat/completions')
    expect(setup.upstream.received[0]!.headers.get('authorization')).toBe(`Bearer ${setup.upstream.openaiKey}`)
    expect(sent).toMatchObject({ model: 'gpt-5-mini', max_completion_tokens: 256, messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hello' }] })
  })

  test('a stream through MessageStream, usage in message_delta, cost in the closing comment', async () => {
    setup.upstream.enqueue(sseReply(await readFixture('upstream/openai-chat/text.stream.sse'), { chunkSizeBytes: 5 }))
    const raw = await anthropic().messages.create({ model: 'gpt-5-mini', max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'Hello' }] }).asResponse()
    const { relayed, costUsd } = splitCostTrailer(await raw.text())
    expect(parseUsdToMicros(costUsd)).toBe(12 * 3 + 78 * 15)
    expect(relayed).toContain('event: message_start')
    expect(relayed).toContain('event: message_stop')
    expect(JSON.parse(setup.upstream.received[0]!.bodyText).stream_options).toEqual({ include_usage: true })

    setup.upstream.enqueue(sseReply(await readFixture('upstream/openai-chat/text.stream.sse')))
    const message = await anthropic().messages.stream({ model: 'gpt-5-mini', max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }] }).finalMessage()
    expect(message.content.map((block) => (block.type === 'text' ? block.text : '')).join('')).toBe('Hello! How can I help you today?')
    expect(message.usage.output_tokens).toBe(78)
  })

  test('parallel tool calls streamed from GPT arrive as two tool_use blocks with parsed inputs', async () => {
    setup.upstream.enqueue(sseReply(await readFixture('upstream/openai-chat/tool-calls.stream.sse'), { chunkSizeBytes: 11 }))
    const message = await anthropic()
      .messages.stream({
        model: 'gpt-5-mini',
        max_tokens: 256,
        tools: [{ name: 'get_weather', description: weatherTool.description, input_schema: weatherTool.parameters as Anthropic.Tool.InputSchema }],
        messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }],
      })
      .finalMessage()
    const calls = message.content.filter((block) => block.type === 'tool_use')
    expect(message.stop_reason).toBe('tool_use')
    expect(calls).toHaveLength(2)
    for (const call of calls) {
      expect(call.type === 'tool_use' && call.name).toBe('get_weather')
      expect(call.type === 'tool_use' && typeof (call.input as { location?: unknown }).location).toBe('string')
      expect(call.type === 'tool_use' && call.id).toMatch(/^[a-zA-Z0-9_-]+$/)
    }
  })
})
