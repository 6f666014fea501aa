/**
 * The built-in `anvat-echo` model through both official SDKs, in all three dialects, streamed and not, plus the
 * model list in each SDK's own shape. The echo model answers inside the gateway, so the fake upstream must stay idle.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { startTestGateway, type ListeningTestGateway } from '../support/gateway.ts'
import { drain } from '../support/sdk-traffic.ts'

let upstream: FakeUpstream
let gateway: ListeningTestGateway
let anthropic: Anthropic
let openai: OpenAI

beforeAll(async () => {
  upstream = await startFakeUpstream()
  gateway = await startTestGateway(upstream)
  anthropic = new Anthropic({ baseURL: gateway.url, apiKey: gateway.key, maxRetries: 0 })
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 })
})
beforeEach(() => {
  upstream.clear()
})
afterEach(() => {
  expect(upstream.received).toEqual([])
})
afterAll(async () => {
  await gateway.stop()
  await upstream.stop()
})

const model = 'anvat-echo'
const prompt = 'Say hi to the gateway'
const echo = `Echo: ${prompt}`
const messageParams = { model, max_tokens: 100, messages: [{ role: 'user' as const, content: prompt }] }
const chatParams = { model, messages: [{ role: 'user' as const, content: prompt }] }

function expectPositiveUsage(inputTokens: number, outputTokens: number): void {
  expect(inputTokens).toBeGreaterThan(0)
  expect(outputTokens).toBeGreaterThan(0)
}

describe('Anthropic Messages', () => {
  test('whole: the echo text, end_turn and usage', async () => {
    const message = await anthropic.messages.create(messageParams)
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model, stop_reason: 'end_turn' })
    expect<unknown>(message.content).toEqual([{ type: 'text', text: echo }])
    expect(message.id).toMatch(/^msg_/)
    expectPositiveUsage(message.usage.input_tokens, message.usage.output_tokens)
  })

  test('streamed: finalMessage() text starts with "Echo:" and usage is counted', async () => {
    const message = await anthropic.messages.stream(messageParams).finalMessage()
    expect<unknown>(message.content).toEqual([{ type: 'text', text: echo }])
    expect(message.stop_reason).toBe('end_turn')
    expectPositiveUsage(message.usage.input_tokens, message.usage.output_tokens)
  })

  test('streamed: raw events come in the API order', async () => {
    const { items, thrown } = await drain(await anthropic.messages.create({ ...messageParams, stream: true }))
    expect(thrown).toBeUndefined()
    const types = items.map((event) => event.type)
    expect(types.slice(0, 2)).toEqual(['message_start', 'content_block_start'])
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop'])
    expect(new Set(types.slice(2, -3))).toEqual(new Set(['content_block_delta']))
  })

  test('max_tokens 2 cuts the echo with stop_reason max_tokens, whole and streamed', async () => {
    const whole = await anthropic.messages.create({ ...messageParams, max_tokens: 2 })
    expect(whole.stop_reason).toBe('max_tokens')
    expect<unknown>(whole.content).toEqual([{ type: 'text', text: 'Echo: Say ' }])
    const streamed = await anthropic.messages.stream({ ...messageParams, max_tokens: 2 }).finalMessage()
    expect(streamed.stop_reason).toBe('max_tokens')
    expect(streamed.usage.output_tokens).toBe(2)
  })

  test('countTokens counts the prompt', async () => {
    const count = await anthropic.messages.countTokens({ model, messages: messageParams.messages })
    expect(count.input_tokens).toBeGreaterThan(0)
  })
})

describe('Chat Completions', () => {
  test('whole: the echo text, stop and usage', async () => {
    const completion = await openai.chat.completions.create(chatParams)
    expect(completion.choices[0]?.message.content).toBe(echo)
    expect(completion.choices[0]?.finish_reason).toBe('stop')
    expectPositiveUsage(completion.usage!.prompt_tokens, completion.usage!.completion_tokens)
  })

  test('streamed with include_usage: one final usage chunk with no choices', async () => {
    const withUsage = { ...chatParams, stream: true as const, stream_options: { include_usage: true } }
    const stream = await openai.chat.completions.create(withUsage)
    const { items, thrown } = await drain(stream)
    expect(thrown).toBeUndefined()
    const usageChunks = items.filter((chunk) => chunk.usage != null)
    expect(usageChunks).toHaveLength(1)
    expect(items.at(-1)).toBe(usageChunks[0]!)
    expect(usageChunks[0]!.choices).toEqual([])
    expectPositiveUsage(usageChunks[0]!.usage!.prompt_tokens, usageChunks[0]!.usage!.completion_tokens)
    expect(items.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(echo)
  })

  test('streamed without include_usage: no chunk carries usage', async () => {
    const { items, thrown } = await drain(await openai.chat.completions.create({ ...chatParams, stream: true }))
    expect(thrown).toBeUndefined()
    expect(items.length).toBeGreaterThan(2)
    expect(items.filter((chunk) => chunk.usage != null)).toEqual([])
    expect(items.every((chunk) => chunk.choices.length === 1)).toBe(true)
  })

  test('finalChatCompletion() assembles the echo', async () => {
    const completion = await openai.chat.completions.stream(chatParams).finalChatCompletion()
    expect(completion.choices[0]?.message.content).toBe(echo)
  })

  test('max_completion_tokens 2 → finish_reason length, whole and streamed', async () => {
    const whole = await openai.chat.completions.create({ ...chatParams, max_completion_tokens: 2 })
    expect(whole.choices[0]?.finish_reason).toBe('length')
    expect(whole.choices[0]?.message.content).toBe('Echo: Say ')
    const streamed = await openai.chat.completions.stream({ ...chatParams, max_completion_tokens: 2 }).finalChatCompletion()
    expect(streamed.choices[0]?.finish_reason).toBe('length')
  })
})

describe('Responses', () => {
  test('whole: output_text is the echo, with usage', async () => {
    const response = await openai.responses.create({ model, input: prompt })
    expect(response.status).toBe('completed')
    expect(response.output_text).toBe(echo)
    expectPositiveUsage(response.usage!.input_tokens, response.usage!.output_tokens)
  })

  test('streamed: finalResponse().output_text starts with "Echo:"', async () => {
    const response = await openai.responses.stream({ model, input: [{ role: 'user', content: prompt }] }).finalResponse()
    expect(response.output_text).toStartWith('Echo:')
    expect(response.output_text).toBe(echo)
    expect(response.status).toBe('completed')
  })

  test('max_output_tokens 2 → an incomplete response, whole and streamed', async () => {
    const whole = await openai.responses.create({ model, input: prompt, max_output_tokens: 2 })
    expect(whole.status).toBe('incomplete')
    expect(whole.incomplete_details).toEqual({ reason: 'max_output_tokens' })
    const streamed = await openai.responses.stream({ model, input: prompt, max_output_tokens: 2 }).finalResponse()
    expect(streamed.status).toBe('incomplete')
    expect(streamed.output_text).toBe('Echo: Say ')
  })
})

describe('models', () => {
  const openAIEcho = { id: model, object: 'model' as const, created: 1_767_225_600, owned_by: 'mock' }
  const anthropicEcho = {
    type: 'model' as const,
    id: model,
    display_name: 'Anvat Echo (built-in mock)',
    created_at: '2026-01-01T00:00:00Z',
  }

  test('OpenAI SDK: models.list() in the OpenAI shape, including anvat-echo', async () => {
    const page = await openai.models.list()
    const ids = page.data.map((entry) => entry.id).sort()
    expect(ids).toEqual(['anvat-echo', 'claude-alias', 'claude-sonnet-4-6', 'gpt-5-mini', 'gpt-alias'])
    for (const entry of page.data) expect(Object.keys(entry).sort()).toEqual(['created', 'id', 'object', 'owned_by'])
    expect(page.data.find((entry) => entry.id === model)).toEqual(openAIEcho)
  })

  test('Anthropic SDK: models.list() pages newest first in the Anthropic shape', async () => {
    const models: Anthropic.ModelInfo[] = []
    // A page size of 2 makes the SDK follow after_id across three pages.
    for await (const entry of anthropic.models.list({ limit: 2 })) models.push(entry)
    const ids = models.map((entry) => entry.id)
    expect(ids).toEqual(['claude-sonnet-4-6', 'anvat-echo', 'gpt-5-mini', 'claude-alias', 'gpt-alias'])
    for (const entry of models) {
      expect(entry.type).toBe('model')
      expect(entry.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    }
    expect(models[1]).toMatchObject(anthropicEcho)
  })

  test("models.retrieve('anvat-echo') in each SDK's shape", async () => {
    expect(await openai.models.retrieve(model)).toEqual(openAIEcho)
    expect<unknown>(await anthropic.models.retrieve(model)).toEqual(anthropicEcho)
  })
})
