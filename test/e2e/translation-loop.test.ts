/**
 * Translation in use: a two-turn tool loop through each SDK's own tool machinery, an image through the SDK, the
 * balance moving by exactly the reported cost, and no buffering — each upstream event reaches the caller, translated,
 * while the upstream is still sending.
 */
import Anthropic from '@anthropic-ai/sdk'
import { describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { parseUsdToMicros } from '../../src/core/money.ts'
import { jsonReply, sseReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { useListeningGateway } from '../support/gateway.ts'

const setup = useListeningGateway()

const openai = () => new OpenAI({ baseURL: `${setup.gateway.url}/v1`, apiKey: setup.gateway.key, maxRetries: 0 })
const anthropic = () => new Anthropic({ baseURL: setup.gateway.url, apiKey: setup.gateway.key, maxRetries: 0 })
const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=='

async function balanceMicros(): Promise<number> {
  const response = await fetch(`${setup.gateway.url}/v1/balance`, { headers: { authorization: `Bearer ${setup.gateway.key}` } })
  return Math.round(((await response.json()) as { balance_usd: number }).balance_usd * 1_000_000)
}

test('OpenAI runTools on a Claude model: the tool runs, its result goes back as a tool_result, the loop ends in text', async () => {
  setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/tool-use.response.json')))
  setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
  const calls: unknown[] = []
  const runner = openai().chat.completions.runTools({
    model: 'claude-sonnet-4-6',
    messages: [{ role: 'user', content: 'Weather in San Francisco?' }],
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a place',
          parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string' } } },
          parse: (text: string) => JSON.parse(text) as { location: string; unit?: string },
          function: (input: { location: string; unit?: string }) => {
            calls.push(input)
            return '64°F and foggy'
          },
        },
      },
    ],
  })
  expect(await runner.finalContent()).toBe("Hello! I'm doing well, thanks for asking. How can I help you today?")
  expect(calls).toEqual([{ location: 'San Francisco, CA', unit: 'fahrenheit' }])
  const second = JSON.parse(setup.upstream.received[1]!.bodyText)
  expect(second.messages.at(-2)).toMatchObject({ role: 'assistant', content: [{ type: 'text' }, { type: 'tool_use', id: 'toolu_01i2syzNeU2u6Ls5p5xWTafu', name: 'get_weather' }] })
  expect(second.messages.at(-1)).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01i2syzNeU2u6Ls5p5xWTafu' }] })
})

test('Anthropic SDK tool loop on a GPT model: tool_use ids come back as tool_call ids, results as tool messages', async () => {
  setup.upstream.enqueue(sseReply(await readFixture('upstream/openai-chat/tool-calls.stream.sse')))
  const tools = [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: { location: { type: 'string' } } } }]
  const first = await anthropic().messages.stream({ model: 'gpt-5-mini', max_tokens: 512, tools, messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }] }).finalMessage()
  const uses = first.content.filter((block) => block.type === 'tool_use')
  expect(uses).toHaveLength(2)

  setup.upstream.enqueue(jsonReply(await readFixture('upstream/openai-chat/text.response.json')))
  const results = uses.map((block) => ({ type: 'tool_result' as const, tool_use_id: block.type === 'tool_use' ? block.id : '', content: 'sunny' }))
  const second = await anthropic().messages.create({
    model: 'gpt-5-mini',
    max_tokens: 512,
    tools,
    messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }, { role: 'assistant', content: first.content }, { role: 'user', content: results }],
  })
  expect(second.content[0]).toMatchObject({ type: 'text', text: 'Hello! How can I help you today?' })
  const sent = JSON.parse(setup.upstream.received[1]!.bodyText)
  const assistant = sent.messages.find((message: { role: string }) => message.role === 'assistant')
  const toolMessages = sent.messages.filter((message: { role: string }) => message.role === 'tool')
  expect(assistant.tool_calls.map((call: { id: string }) => call.id)).toEqual(results.map((result) => result.tool_use_id))
  expect(toolMessages.map((message: { tool_call_id: string; content: string }) => [message.tool_call_id, message.content])).toEqual(results.map((result) => [result.tool_use_id, 'sunny']))
})

test('an image through the OpenAI SDK reaches Claude as a base64 image block', async () => {
  setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/text.response.json')))
  await openai().chat.completions.create({
    model: 'claude-sonnet-4-6',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}` } }] }],
  })
  expect(JSON.parse(setup.upstream.received[0]!.bodyText).messages[0].content[1]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } })
})

describe('money and timing across dialects', () => {
  test('the balance drops by exactly the cost the translated answer reported', async () => {
    setup.upstream.enqueue(jsonReply(await readFixture('upstream/anthropic/thinking.response.json')))
    const before = await balanceMicros()
    const { response } = await openai().chat.completions.create({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Think.' }] }).withResponse()
    expect(before - (await balanceMicros())).toBe(parseUsdToMicros(response.headers.get('x-anvat-cost-usd')!)!)
  })

  test('each upstream event reaches the caller while the upstream is still sending (no buffering)', async () => {
    const fixture = await readFixture('upstream/anthropic/text.stream.sse')
    // The upstream sends its first five events (message_start … the first text delta) and then goes silent.
    setup.upstream.enqueue(sseReply(fixture, { eventsMax: 5, hangAfterChunks: true }))
    const controller = new AbortController()
    const response = await fetch(`${setup.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      signal: controller.signal,
      headers: { authorization: `Bearer ${setup.gateway.key}` },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    })
    const reader = response.body!.getReader()
    let text = ''
    while (!text.includes('"content":"Hello"')) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`stream ended before the first delta arrived: ${text}`)
      text += new TextDecoder().decode(value)
    }
    expect(text).toContain('"role":"assistant"')
    controller.abort()
  })
})
