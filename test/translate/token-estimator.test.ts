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
  reasoningReplyPrimingTokens,
  replyPrimingTokens,
  replyPrimingTokensFor,
  toolCallOverheadTokens,
  toolResultOverheadTokens,
  toolSectionOverheadTokens,
} from '../../src/translate/token-estimator.ts'
import { createTokenMemo } from '../../src/translate/token-memo.ts'
import { renderToolDefinition, toolNamespaceClosing, toolNamespaceOpening } from '../../src/translate/tool-namespace.ts'

const reference = new Tiktoken(o200kBase)
const rawTokens = (text: string) => reference.encode(text, [], []).length

function canonical(body: Record<string, unknown>): CanonicalRequest {
  return decodeRequest({ model: 'gpt-5-mini', ...body }).request
}

const hello = { messages: [{ role: 'user', content: 'Hello there, how are you today?' }] }
const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  input_schema: { type: 'object', properties: { city: { type: 'string', description: 'The city name.' } }, required: ['city'] },
}

describe('loading', () => {
  test('the encoding loads on the first count and is kept; countRequestIfLoaded never starts the load', async () => {
    const estimator = createTokenEstimator()
    expect(estimator.loaded()).toBe(false)
    expect(estimator.countRequestIfLoaded(canonical(hello))).toBeUndefined()
    expect(estimator.loaded()).toBe(false)
    const first = estimator.countRequest(canonical(hello))
    const second = estimator.countRequest(canonical(hello))
    expect(await first).toBe(await second)
    expect(estimator.loaded()).toBe(true)
    expect(estimator.countRequestIfLoaded(canonical(hello))).toBe(await first)
  })
})

// One estimator for the tests that do not look at its memo: each one builds its own encoder, which takes a second.
const estimator = createTokenEstimator()

describe('what is counted', () => {
  const count = (body: Record<string, unknown>, upstreamModel?: string) => estimator.countRequest(canonical(body), upstreamModel)

  test('each system block adds its tokens and one message overhead, as a Chat system message does', async () => {
    const blocks = ['You are a terse assistant.', 'Answer in French.']
    const system = blocks.map((text) => ({ type: 'text', text }))
    const expected = (await count(hello)) + blocks.reduce((sum, text) => sum + rawTokens(text) + messageOverheadTokens, 0)
    expect(await count({ ...hello, system })).toBe(expected)
  })

  test('tools add the namespace the server renders, in a system message of their own when there is none', async () => {
    const namespace = toolNamespaceOpening + renderToolDefinition({ name: weatherTool.name, description: weatherTool.description, parameters: weatherTool.input_schema }) + toolNamespaceClosing
    expect(namespace).toContain('// The city name.\ncity: string,')
    const withTool = await count({ ...hello, tools: [weatherTool] })
    expect(withTool).toBe((await count(hello)) + messageOverheadTokens + toolSectionOverheadTokens + rawTokens(namespace))
    const system = 'Be brief.'
    expect(await count({ ...hello, system, tools: [weatherTool] })).toBe((await count({ ...hello, system })) + toolSectionOverheadTokens + rawTokens(namespace))
    expect(await count({ ...hello, tools: [weatherTool, { ...weatherTool, name: 'get_forecast' }] })).toBeGreaterThan(withTool)
  })

  test('a tool call counts its name and arguments; its result, the name and text, as a message of its own', async () => {
    const call = { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }
    const result = 'Sunny, 21 degrees Celsius, light wind.'
    const turns = [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: [call] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: result }] },
    ]
    const one = await count({ messages: turns.slice(0, 1) })
    const two = await count({ messages: turns.slice(0, 2) })
    expect(two).toBe(one + messageOverheadTokens + toolCallOverheadTokens + rawTokens('get_weather') + rawTokens('{"city":"Paris"}'))
    // The user turn holds only the result, which Chat sends as a `tool` message: no user message of its own.
    expect(await count({ messages: turns })).toBe(two + messageOverheadTokens + toolResultOverheadTokens + rawTokens('get_weather') + rawTokens(result))
  })

  test('two calls in one turn count as the multi_tool_use.parallel call that carries them', async () => {
    const calls = ['Paris', 'Lyon'].map((city, index) => ({ type: 'tool_use', id: `toolu_0${index}`, name: 'get_weather', input: { city } }))
    const question = { role: 'user', content: 'Weather in Paris and Lyon?' }
    const parallel = '{"tool_uses":[{"recipient_name":"functions.get_weather","parameters":{"city":"Paris"}},{"recipient_name":"functions.get_weather","parameters":{"city":"Lyon"}}]}'
    const expected = (await count({ messages: [question] })) + messageOverheadTokens + toolCallOverheadTokens + rawTokens(parallel)
    expect(await count({ messages: [question, { role: 'assistant', content: calls }] })).toBe(expected)
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
    // A turn of thinking alone is dropped by the Chat encoder, framing and all.
    const thinkingOnly = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: [thinking] }, { role: 'user', content: 'Go on.' }]
    const dropped = [{ role: 'user', content: 'Hi' }, { role: 'user', content: 'Go on.' }]
    expect(await count({ messages: thinkingOnly })).toBe(await count({ messages: dropped }))
  })

  test('a long run without breaks is counted by length, in bounded time', async () => {
    const run = 'a'.repeat(200_000)
    const started = performance.now()
    const tokens = await count({ messages: [{ role: 'user', content: run }] })
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(tokens).toBe(replyPrimingTokens + messageOverheadTokens + run.length / longRunCharactersPerToken)
  })

  test('reasoning upstream models prime the reply with one token less; without a model, gpt-4o framing', async () => {
    const base = await count(hello)
    expect(replyPrimingTokensFor(undefined)).toBe(replyPrimingTokens)
    for (const model of ['o3', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'openai/gpt-5.1']) {
      expect(await count(hello, model)).toBe(base - replyPrimingTokens + reasoningReplyPrimingTokens)
    }
    for (const model of ['gpt-4o', 'gpt-4.1-mini', 'qwen3-coder']) expect(await count(hello, model)).toBe(base)
  })
})

describe('accuracy against raw o200k', () => {
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

describe('memoised counts', () => {
  const turnsOf = (count: number) =>
    Array.from({ length: count }, (_, index) => ({ role: index % 2 === 0 ? 'user' : 'assistant', content: `Turn ${index}: ${'the estimator keeps what it saw. '.repeat(8)}` }))

  test('a conversation grown by one turn encodes only that turn, and counts what an unmemoised estimator counts', async () => {
    const memoised = createTokenEstimator()
    const unmemoised = createTokenEstimator({ memoEntriesMax: 0 })
    const turns = turnsOf(40)
    const first = await memoised.countRequest(canonical({ messages: turns }))
    const encodedBefore = memoised.stats().encodedCharacters
    const next = { role: 'user', content: 'And one more question, the new turn of this conversation?' }
    const grown = await memoised.countRequest(canonical({ messages: [...turns, next] }))
    expect(memoised.stats().encodedCharacters - encodedBefore).toBe(next.content.length)
    expect(first).toBe(await unmemoised.countRequest(canonical({ messages: turns })))
    expect(grown).toBe(await unmemoised.countRequest(canonical({ messages: [...turns, next] })))
    expect(unmemoised.stats().memoEntries).toBe(0)
  })

  test('the memo never holds more than memoEntriesMax counts, and a short text is not memoised', async () => {
    const bounded = createTokenEstimator({ memoEntriesMax: 5, memoCharactersMin: 32 })
    await bounded.countRequest(canonical({ messages: turnsOf(30) }))
    const after = bounded.stats()
    expect(after.memoEntries).toBe(5)
    await bounded.countRequest(canonical({ messages: [{ role: 'user', content: 'Shorter than 32 characters.' }] }))
    expect(bounded.stats()).toMatchObject({ memoEntries: 5, memoHits: after.memoHits, memoMisses: after.memoMisses })
  })

  test('the memo evicts the least recently used count first', () => {
    const memo = createTokenMemo(2)
    const [first, second, third] = ['first text', 'second text', 'third text'].map(memo.keyOf) as [string, string, string]
    memo.set(first, 1)
    memo.set(second, 2)
    expect(memo.get(first)).toBe(1) // now second is the least recently used
    memo.set(third, 3)
    expect([memo.get(first), memo.get(second), memo.get(third), memo.size()]).toEqual([1, undefined, 3, 2])
    expect(memo.keyOf('first text')).toBe(first)
    expect(memo.keyOf('first texT')).not.toBe(first)
    expect(() => createTokenMemo(-1)).toThrow(RangeError)
  })
})
