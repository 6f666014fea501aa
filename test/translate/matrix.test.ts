import { describe, expect, test } from 'bun:test'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type Anthropic from '@anthropic-ai/sdk'
import type OpenAI from 'openai'
import { sdkFinalMessage } from '../dialects/anthropic/stream-support.ts'
import { checkAnthropicStream, checkChatStream, naiveFrames, sdkChatCompletion } from '../support/client-streams.ts'
import { readFixture } from '../support/fixtures.ts'
import { golden } from '../support/golden.ts'
import { rejectionOf } from '../support/sdk-traffic.ts'
import { goldenStamps, translateStream, translateWhole, translationPairs, upstreamDialectOf, upstreamScenarios, type TranslationPair } from '../support/translation.ts'

/*
 * Every recorded upstream answer, streamed and whole, translated for a client of the other dialect with fixed stamps
 * and compared with its golden file (test/fixtures/golden/<upstream>-to-<client>/). Beyond the bytes, each golden is
 * checked against the client's wire rules and read by the client's official SDK, whose accumulated answer must say
 * what the upstream said: a complete recording gives a complete answer, a cut or failed one makes the SDK throw.
 */

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const anthropicStreams = await upstreamScenarios('anthropic', '.stream.sse')
const chatStreams = await upstreamScenarios('openai-chat', '.stream.sse')
const anthropicResponses = await upstreamScenarios('anthropic', '.response.json')
const chatResponses = await upstreamScenarios('openai-chat', '.response.json')

/** Whether a recording reached its proper end, judged from the raw bytes, independently of our decoders. */
function upstreamCompletes(pair: TranslationPair, text: string): boolean {
  const events = naiveFrames(text)
  if (pair === 'openai-chat-to-anthropic') return events.at(-1)?.data === '[DONE]'
  return events.at(-1)?.event === 'message_stop' && !events.some((event) => event.event === 'error')
}

/** What an answer says, in neutral terms, so an Anthropic message and a chat completion can be compared. */
type Meaning = { text: string; toolCalls: { id: string; name: string; input: unknown }[] }

function meaningOfMessage(message: Anthropic.Message): Meaning {
  return {
    text: message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
    toolCalls: message.content.flatMap((block) => (block.type === 'tool_use' ? [{ id: block.id, name: block.name, input: block.input }] : [])),
  }
}

function meaningOfCompletion(completion: OpenAI.ChatCompletion): Meaning {
  const message = completion.choices[0]?.message
  return {
    text: message?.content ?? '',
    toolCalls: (message?.tool_calls ?? []).flatMap((call) => (call.type === 'function' ? [{ id: call.id, name: call.function.name, input: JSON.parse(call.function.arguments) }] : [])),
  }
}

/** The documented mappings, written out here rather than read from src/, so a change to the tables shows. */
const chatFinishByStopReason: Record<string, string> = { end_turn: 'stop', tool_use: 'tool_calls', max_tokens: 'length' }
const stopReasonByChatFinish: Record<string, string> = { stop: 'end_turn', tool_calls: 'tool_use', length: 'max_tokens' }

/** Anthropic usage → Chat usage: the prompt counts every input token, cached or written (WIRE.md §4). */
function expectChatUsage(usage: OpenAI.CompletionUsage | undefined, from: Anthropic.Usage): void {
  const prompt = from.input_tokens + (from.cache_read_input_tokens ?? 0) + (from.cache_creation_input_tokens ?? 0)
  expect(usage).toMatchObject({ prompt_tokens: prompt, completion_tokens: from.output_tokens, total_tokens: prompt + from.output_tokens })
  expect(usage?.prompt_tokens_details?.cached_tokens).toBe(from.cache_read_input_tokens ?? 0)
}

/** Chat usage → Anthropic usage: input stays uncached, cache reads apart. */
function expectAnthropicUsage(usage: Anthropic.Usage, from: OpenAI.CompletionUsage | undefined): void {
  const cached = from?.prompt_tokens_details?.cached_tokens ?? 0
  expect(usage).toMatchObject({ input_tokens: (from?.prompt_tokens ?? 0) - cached, cache_read_input_tokens: cached, output_tokens: from?.completion_tokens ?? -1 })
}

describe('anthropic → openai-chat streams', () => {
  const pair = 'anthropic-to-openai-chat'
  for (const scenario of anthropicStreams) {
    test(`${scenario}: golden bytes, Chat chunk order, and what the OpenAI SDK accumulates`, async () => {
      const upstream = await readFixture(`upstream/anthropic/${scenario}.stream.sse`)
      const output = decoder.decode(translateStream(pair, [encoder.encode(upstream)]))
      await golden(`${pair}/${scenario}.stream.sse`, output)
      const complete = upstreamCompletes(pair, upstream)
      const payloads = checkChatStream(output, goldenStamps.chat, complete)
      if (!complete) {
        const error = await rejectionOf(sdkChatCompletion(encoder.encode(output)))
        expect((error as Error).constructor.name).toBe('APIError')
        // What the client saw before the error is every word the upstream sent.
        const sent = payloads.map((chunk) => (chunk as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content ?? '').join('')
        expect(sent).toBe(anthropicTextDeltas(upstream))
        return
      }
      const original = await sdkFinalMessage(encoder.encode(upstream))
      const completion = await sdkChatCompletion(encoder.encode(output))
      expect(meaningOfCompletion(completion)).toEqual(meaningOfMessage(original))
      expect(completion.choices[0]?.finish_reason).toBe(chatFinishByStopReason[original.stop_reason ?? ''] as never)
      expectChatUsage(completion.usage, original.usage)
    })
  }
})

describe('openai-chat → anthropic streams', () => {
  const pair = 'openai-chat-to-anthropic'
  for (const scenario of chatStreams) {
    test(`${scenario}: golden bytes, Anthropic event order, and what the Anthropic SDK accumulates`, async () => {
      const upstream = await readFixture(`upstream/openai-chat/${scenario}.stream.sse`)
      const output = decoder.decode(translateStream(pair, [encoder.encode(upstream)]))
      await golden(`${pair}/${scenario}.stream.sse`, output)
      const complete = upstreamCompletes(pair, upstream)
      const frames = checkAnthropicStream(output, goldenStamps.anthropic, complete)
      const start = JSON.parse(frames[0]?.data ?? '{}') as { message: { usage: Anthropic.Usage } }
      // Chat says nothing of the prompt until the end, so message_start carries the gateway's estimate.
      expect(start.message.usage.input_tokens).toBe(goldenStamps.anthropic.inputTokensEstimate)
      if (!complete) {
        const error = await rejectionOf(sdkFinalMessage(encoder.encode(output)))
        expect((error as Error).constructor.name).toBe('APIError')
        const sent = frames.map((frame) => (JSON.parse(frame.data) as { delta?: { text?: string } }).delta?.text ?? '').join('')
        expect(sent).toBe(chatContentDeltas(upstream))
        return
      }
      const original = await sdkChatCompletion(encoder.encode(upstream))
      const message = await sdkFinalMessage(encoder.encode(output))
      expect(meaningOfMessage(message)).toEqual(meaningOfCompletion(original))
      expect(message.stop_reason).toBe(stopReasonByChatFinish[original.choices[0]?.finish_reason ?? ''] as never)
      expectAnthropicUsage(message.usage, original.usage)
    })
  }
})

describe('anthropic → openai-chat whole responses', () => {
  const pair = 'anthropic-to-openai-chat'
  for (const scenario of anthropicResponses) {
    test(`${scenario}: golden JSON, saying what the Anthropic message said`, async () => {
      const upstream = await readFixture(`upstream/anthropic/${scenario}.response.json`)
      const completion = JSON.parse(translateWhole(pair, upstream)) as OpenAI.ChatCompletion
      await golden(`${pair}/${scenario}.json`, `${JSON.stringify(completion, null, 2)}\n`)
      const original = JSON.parse(upstream) as Anthropic.Message
      const { id, created, model } = goldenStamps.chat
      expect(completion).toMatchObject({ id, object: 'chat.completion', created, model })
      expect(completion.choices).toHaveLength(1)
      expect(completion.choices[0]?.message.role).toBe('assistant')
      expect(meaningOfCompletion(completion)).toEqual(meaningOfMessage(original))
      expect(completion.choices[0]?.finish_reason).toBe(chatFinishByStopReason[original.stop_reason ?? ''] as never)
      expectChatUsage(completion.usage, original.usage)
    })
  }
})

describe('openai-chat → anthropic whole responses', () => {
  const pair = 'openai-chat-to-anthropic'
  for (const scenario of chatResponses) {
    test(`${scenario}: golden JSON, saying what the chat completion said`, async () => {
      const upstream = await readFixture(`upstream/openai-chat/${scenario}.response.json`)
      const message = JSON.parse(translateWhole(pair, upstream)) as Anthropic.Message
      await golden(`${pair}/${scenario}.json`, `${JSON.stringify(message, null, 2)}\n`)
      const original = JSON.parse(upstream) as OpenAI.ChatCompletion
      const { id, model } = goldenStamps.anthropic
      expect(message).toMatchObject({ id, type: 'message', role: 'assistant', model, stop_sequence: null })
      expect(meaningOfMessage(message)).toEqual(meaningOfCompletion(original))
      expect(message.stop_reason).toBe(stopReasonByChatFinish[original.choices[0]?.finish_reason ?? ''] as never)
      expectAnthropicUsage(message.usage, original.usage)
    })
  }
})

test('every golden file belongs to a recorded fixture, so a renamed or removed recording leaves no stale golden', async () => {
  for (const pair of translationPairs) {
    const dialect = upstreamDialectOf(pair)
    const streams = dialect === 'anthropic' ? anthropicStreams : chatStreams
    const responses = dialect === 'anthropic' ? anthropicResponses : chatResponses
    const expected = [...streams.map((scenario) => `${scenario}.stream.sse`), ...responses.map((scenario) => `${scenario}.json`)].sort()
    expect(expected.length).toBeGreaterThan(3)
    expect((await readdir(join(import.meta.dir, '..', 'fixtures', 'golden', pair))).sort()).toEqual(expected)
  }
})

/** The text an Anthropic recording streamed, from its raw events. */
function anthropicTextDeltas(text: string): string {
  return naiveFrames(text)
    .map((frame) => (JSON.parse(frame.data) as { delta?: { type?: string; text?: string } }).delta)
    .map((delta) => (delta?.type === 'text_delta' ? (delta.text ?? '') : ''))
    .join('')
}

/** The content a Chat recording streamed, from its raw chunks. */
function chatContentDeltas(text: string): string {
  return naiveFrames(text)
    .filter((frame) => frame.data !== '[DONE]')
    .map((frame) => (JSON.parse(frame.data) as { choices?: { delta?: { content?: string | null } }[] }).choices?.[0]?.delta?.content ?? '')
    .join('')
}
