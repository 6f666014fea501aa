import { describe, expect, test } from 'bun:test'
import { Tiktoken } from 'js-tiktoken/lite'
import o200kBase from 'js-tiktoken/ranks/o200k_base'
import type { CanonicalRequest } from '../../src/core/canonical.ts'
import { decodeRequest } from '../../src/dialects/anthropic/decode-request.ts'
import {
  createTokenEstimator,
  imageLowDetailTokens,
  imageTokens,
  longRunCharactersPerToken,
  messageOverheadTokens,
  replyPrimingTokens,
  toolOverheadTokens,
} from '../../src/translate/token-estimator.ts'

const reference = new Tiktoken(o200kBase)
const rawTokens = (text: string) => reference.encode(text, [], []).length

function canonical(body: Record<string, unknown>): CanonicalRequest {
  return decodeRequest({ model: 'gpt-5-mini', ...body }).request
}

const hello = { messages: [{ role: 'user', content: 'Hello there, how are you today?' }] }
const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}

describe('loading', () => {
  test('the encoding is not loaded before the first count, and is kept after it', async () => {
    const estimator = createTokenEstimator()
    expect(estimator.loaded()).toBe(false)
    const first = estimator.countRequest(canonical(hello))
    const second = estimator.countRequest(canonical(hello))
    expect(await first).toBe(await second)
    expect(estimator.loaded()).toBe(true)
  })
})

describe('what is counted', () => {
  const estimator = createTokenEstimator()
  const count = (body: Record<string, unknown>) => estimator.countRequest(canonical(body))

  test('system text adds its tokens and one message overhead', async () => {
    const system = 'You are a terse assistant who answers in French.'
    expect(await count({ ...hello, system })).toBe((await count(hello)) + rawTokens(system) + messageOverheadTokens)
  })

  test('each tool adds its name, description, JSON schema and a fixed overhead', async () => {
    const withTool = await count({ ...hello, tools: [weatherTool] })
    const parts = rawTokens(weatherTool.name) + rawTokens(weatherTool.description) + rawTokens(JSON.stringify(weatherTool.input_schema))
    expect(withTool).toBe((await count(hello)) + parts + toolOverheadTokens)
    expect(await count({ ...hello, tools: [weatherTool, { ...weatherTool, name: 'get_forecast' }] })).toBeGreaterThan(withTool)
  })

  test('more messages, tool calls and tool results count more', async () => {
    const call = { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }
    const turns = [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: [call] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'Sunny, 21 degrees Celsius, light wind.' }] },
    ]
    const two = await count({ messages: turns.slice(0, 2) })
    const three = await count({ messages: turns })
    expect(two).toBe((await count({ messages: turns.slice(0, 1) })) + messageOverheadTokens + rawTokens('get_weather') + rawTokens('{"city":"Paris"}'))
    expect(three).toBe(two + 2 * messageOverheadTokens + rawTokens('Sunny, 21 degrees Celsius, light wind.'))
  })

  test('an image adds the documented flat value, whatever its bytes', async () => {
    const image = (data: string) => ({
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data } }, { type: 'text', text: 'What is this?' }] }],
    })
    const textOnly = await count({ messages: [{ role: 'user', content: 'What is this?' }] })
    expect(await count(image('iVBORw0KGgo='))).toBe(textOnly + imageTokens)
    expect(await count(image('A'.repeat(100_000)))).toBe(textOnly + imageTokens)
    expect(imageLowDetailTokens).toBeLessThan(imageTokens)
  })

  test('thinking blocks count nothing: Chat upstreams never receive them', async () => {
    const thinking = { type: 'thinking', thinking: 'Let me think about this for a long while.', signature: 'sig' }
    const withThinking = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: [thinking, { type: 'text', text: 'Hello.' }] }]
    const without = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: [{ type: 'text', text: 'Hello.' }] }]
    expect(await count({ messages: withThinking })).toBe(await count({ messages: without }))
  })

  test('a long run without breaks is counted by length, in bounded time', async () => {
    const run = 'a'.repeat(200_000)
    const started = performance.now()
    const tokens = await count({ messages: [{ role: 'user', content: run }] })
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(tokens).toBe(replyPrimingTokens + messageOverheadTokens + run.length / longRunCharactersPerToken)
  })
})

describe('accuracy against raw o200k', () => {
  const estimator = createTokenEstimator()
  const texts = [
    'The quick brown fox jumps over the lazy dog.',
    'Summarise the following paragraph in one sentence: tokenizers split text into pieces that a model can look up.',
    'function add(a: number, b: number): number {\n  return a + b\n}\n',
    'Les modèles de langage comptent des jetons, pas des mots ; 東京は日本の首都です。',
  ]
  for (const text of texts) {
    test(`one user message: ${JSON.stringify(text.slice(0, 24))}… is its raw count plus the fixed overheads`, async () => {
      const estimate = await estimator.countRequest(canonical({ messages: [{ role: 'user', content: text }] }))
      expect(estimate).toBe(rawTokens(text) + messageOverheadTokens + replyPrimingTokens)
    })
  }

  test('a longer conversation stays within 10% of the raw count of all its text', async () => {
    const turns = texts.map((text, index) => ({ role: index % 2 === 0 ? 'user' : 'assistant', content: text.repeat(20) }))
    const estimate = await estimator.countRequest(canonical({ messages: turns }))
    const raw = turns.reduce((sum, turn) => sum + rawTokens(turn.content), 0)
    expect(estimate).toBeGreaterThanOrEqual(raw)
    expect(estimate).toBeLessThan(raw * 1.1)
  })
})
