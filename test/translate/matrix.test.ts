import { describe, expect, test } from 'bun:test'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type Anthropic from '@anthropic-ai/sdk'
import type OpenAI from 'openai'
import type { ReasoningPart } from '../../src/core/canonical.ts'
import { unpackReasoningContent } from '../../src/dialects/openai-responses/reasoning-content.ts'
import { sdkFinalMessage } from '../dialects/anthropic/stream-support.ts'
import { checkAnthropicStream, checkChatStream, checkResponsesStream, naiveFrames, sdkChatCompletion, sdkCreatedResponse, sdkResponse } from '../support/client-streams.ts'
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
  if (upstreamDialectOf(pair) === 'openai-chat') return events.at(-1)?.data === '[DONE]'
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

describe('anthropic → openai-responses streams', () => {
  const pair = 'anthropic-to-openai-responses'
  for (const scenario of anthropicStreams) {
    test(`${scenario}: golden bytes, Responses event order, and what the OpenAI SDK's ResponseStream accumulates`, async () => {
      const upstream = await readFixture(`upstream/anthropic/${scenario}.stream.sse`)
      const output = decoder.decode(translateStream(pair, [encoder.encode(upstream)]))
      await golden(`${pair}/${scenario}.stream.sse`, output)
      const events = checkResponsesStream(output)
      expect(events[0]?.response).toMatchObject({ status: 'in_progress', output: [], usage: null })
      if (!upstreamCompletes(pair, upstream)) {
        // A cut or failed upstream is never a success (WIRE.md §2.5): `error`, then `response.failed`, and the SDK rejects.
        expect(events.slice(-2).map((event) => event.type)).toEqual(['error', 'response.failed'])
        const error: Record<string, unknown> = events.at(-2) ?? {}
        const failed = events.at(-1)?.response as unknown as OpenAI.Responses.Response
        expect(error).toMatchObject({ code: expect.any(String), message: expect.any(String), param: null })
        expect(failed).toMatchObject({ status: 'failed', error: { code: error.code, message: error.message } })
        const rejection = await rejectionOf(sdkResponse(output))
        expect(rejection).toMatchObject({ type: 'error', code: error.code, message: error.message })
        // What the client saw before the error is every word the upstream sent, and the failed response holds it.
        const sent = events.map((event) => (event.type === 'response.output_text.delta' ? event.delta : '')).join('')
        expect(sent).toBe(anthropicTextDeltas(upstream))
        expect(meaningOfResponse(failed).text).toBe(sent)
        return
      }
      const original = await sdkFinalMessage(encoder.encode(upstream))
      const response = await sdkResponse(output)
      expectResponseSays(response, original)
    })
  }
})

describe('anthropic → openai-responses whole responses', () => {
  const pair = 'anthropic-to-openai-responses'
  for (const scenario of anthropicResponses) {
    test(`${scenario}: golden JSON, read by client.responses.create, saying what the Anthropic message said`, async () => {
      const upstream = await readFixture(`upstream/anthropic/${scenario}.response.json`)
      const body = translateWhole(pair, upstream)
      await golden(`${pair}/${scenario}.json`, `${JSON.stringify(JSON.parse(body), null, 2)}\n`)
      const response = await sdkCreatedResponse(body)
      expectResponseSays(response, JSON.parse(upstream) as Anthropic.Message)
    })
  }
})

test('every golden file belongs to a recorded fixture, so a renamed or removed recording leaves no stale golden', async () => {
  for (const pair of translationPairs) {
    const dialect = upstreamDialectOf(pair)
    // Every dialect a pair reads from must be listed here; a new upstream dialect fails until it is.
    expect(['anthropic', 'openai-chat']).toContain(dialect)
    const streams = dialect === 'anthropic' ? anthropicStreams : chatStreams
    const responses = dialect === 'anthropic' ? anthropicResponses : chatResponses
    const expected = [...streams.map((scenario) => `${scenario}.stream.sse`), ...responses.map((scenario) => `${scenario}.json`)].sort()
    expect(expected.length).toBeGreaterThan(3)
    expect((await readdir(join(import.meta.dir, '..', 'fixtures', 'golden', pair))).sort()).toEqual(expected)
  }
})

/** Anthropic stop reason → how the Responses answer ends (WIRE.md §2.5), written out as the Chat table above is. */
const responsesEndingByStopReason: Record<string, Pick<OpenAI.Responses.Response, 'status' | 'incomplete_details'>> = {
  end_turn: { status: 'completed', incomplete_details: null },
  tool_use: { status: 'completed', incomplete_details: null },
  max_tokens: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
}

function meaningOfResponse(response: OpenAI.Responses.Response): Meaning {
  return {
    text: response.output
      .flatMap((item) => (item.type === 'message' ? item.content : []))
      .map((part) => (part.type === 'output_text' ? part.text : ''))
      .join(''),
    toolCalls: response.output.flatMap((item) => (item.type === 'function_call' ? [{ id: item.call_id, name: item.name, input: JSON.parse(item.arguments) }] : [])),
  }
}

/** What a client can read and replay of Claude's thinking: the summary shown, and the block its encrypted_content restores. */
type ReasoningMeaning = { summary: string; packed: ReasoningPart | undefined }

function reasoningOfResponse(response: OpenAI.Responses.Response): ReasoningMeaning[] {
  return response.output.flatMap((item) =>
    item.type === 'reasoning' ? [{ summary: item.summary.map((part) => part.text).join(''), packed: unpackReasoningContent(item.encrypted_content ?? '') }] : [],
  )
}

function reasoningOfMessage(message: Anthropic.Message): ReasoningMeaning[] {
  return message.content.flatMap((block): ReasoningMeaning[] => {
    if (block.type === 'thinking') return [{ summary: block.thinking, packed: { type: 'reasoning', text: block.thinking, signature: block.signature } }]
    if (block.type === 'redacted_thinking') return [{ summary: '', packed: { type: 'redacted-reasoning', data: block.data } }]
    return []
  })
}

/** The output items an Anthropic message becomes (WIRE.md §3.2): in content order, each run of text one message. */
function itemTypesOfMessage(message: Anthropic.Message): string[] {
  const types: string[] = []
  for (const block of message.content) {
    const type = block.type === 'text' ? (block.text === '' ? undefined : 'message') : block.type === 'tool_use' ? 'function_call' : 'reasoning'
    if (type !== undefined && !(type === 'message' && types.at(-1) === 'message')) types.push(type)
  }
  return types
}

const itemIdPrefixes: Record<string, string> = { message: 'msg', reasoning: 'rs', function_call: 'fc' }

/**
 * A Responses answer, as the SDK read it, says what the Anthropic message said: the same text, calls, thinking
 * (summary and packed block), item order, ending (§2.5) and usage (§4: input counts cache reads and writes), under
 * the golden stamps and with the request's parameters echoed.
 */
function expectResponseSays(response: OpenAI.Responses.Response, original: Anthropic.Message): void {
  const { responseKey, createdAt, model, request } = goldenStamps.responses
  expect(response).toMatchObject({ id: `resp_${responseKey}`, object: 'response', created_at: createdAt, model, error: null })
  expect(response).toMatchObject({ tools: request.tools as never, reasoning: { effort: 'low' }, store: false })
  expect(meaningOfResponse(response)).toEqual(meaningOfMessage(original))
  expect(response.output_text).toBe(meaningOfMessage(original).text)
  expect(reasoningOfResponse(response)).toEqual(reasoningOfMessage(original))
  expect(response.output.map((item): string => item.type)).toEqual(itemTypesOfMessage(original))
  expect(response.output.map((item) => item.id)).toEqual(response.output.map((item, index) => `${itemIdPrefixes[item.type]}_${responseKey}_${index}`))
  const ending = responsesEndingByStopReason[original.stop_reason ?? '']
  expect(ending).toBeDefined()
  expect({ status: response.status, incomplete_details: response.incomplete_details }).toEqual(ending as never)
  // Only the item the answer was cut off in is incomplete; everything before it was finished.
  const statuses = response.output.flatMap((item) => (item.type === 'message' || item.type === 'function_call' ? [item.status] : []))
  const lastStatus = response.status === 'completed' ? 'completed' : 'incomplete'
  expect(statuses).toEqual(statuses.map((_, index) => (index === statuses.length - 1 ? lastStatus : 'completed')))
  const from = original.usage
  const input = from.input_tokens + (from.cache_read_input_tokens ?? 0) + (from.cache_creation_input_tokens ?? 0)
  expect(response.usage).toMatchObject({ input_tokens: input, output_tokens: from.output_tokens, total_tokens: input + from.output_tokens })
  expect(response.usage?.input_tokens_details.cached_tokens).toBe(from.cache_read_input_tokens ?? 0)
}

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
