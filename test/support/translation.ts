import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { DialectName } from '../../src/core/dialect.ts'
import { decodeResponse as decodeAnthropicResponse } from '../../src/dialects/anthropic/decode-response.ts'
import { decodeStream as decodeAnthropicStream } from '../../src/dialects/anthropic/decode-stream.ts'
import { encodeResponse as encodeAnthropicResponse } from '../../src/dialects/anthropic/encode-response.ts'
import { encodeStream as encodeAnthropicStream } from '../../src/dialects/anthropic/encode-stream.ts'
import { decodeResponse as decodeChatResponse } from '../../src/dialects/openai-chat/decode-response.ts'
import { decodeStream as decodeChatStream } from '../../src/dialects/openai-chat/decode-stream.ts'
import { encodeResponse as encodeChatResponse } from '../../src/dialects/openai-chat/encode-response.ts'
import { encodeStream as encodeChatStream } from '../../src/dialects/openai-chat/encode-stream.ts'
import { encodeResponse as encodeResponsesResponse, type EncodeResponseOptions } from '../../src/dialects/openai-responses/encode-response.ts'
import { encodeStream as encodeResponsesStream } from '../../src/dialects/openai-responses/encode-stream.ts'
import { frameTranslator } from '../../src/translate/frame-translator.ts'
import type { FrameTranslator, OutputFrame } from '../../src/translate/passthrough-stream.ts'
import { createSseDecoder, encodeSseFrames } from '../../src/translate/sse.ts'

/*
 * The cross-dialect translations the routes wire (src/routes/translation.ts, translation-responses.ts), stamped with
 * fixed ids, timestamps, models and input estimate instead of random and clock values, so their output can be
 * compared byte for byte with golden files and with itself under any chunking.
 */

/** A translated pair, named as the golden folders are: `<upstream>-to-<client>`. */
export type TranslationPair = 'anthropic-to-openai-chat' | 'openai-chat-to-anthropic' | 'anthropic-to-openai-responses'

export const translationPairs: readonly TranslationPair[] = ['anthropic-to-openai-chat', 'openai-chat-to-anthropic', 'anthropic-to-openai-responses']

/**
 * The request a Responses client sent, as the response object echoes it: Codex-like, with one function tool, low
 * effort, replayable reasoning asked for and nothing stored.
 */
const goldenResponsesRequest = {
  model: 'claude-alias',
  input: 'What is the weather in Tokyo? Answer in one sentence.',
  tools: [
    {
      type: 'function',
      name: 'get_weather',
      description: 'Get the current weather in a given location',
      parameters: {
        type: 'object',
        properties: { location: { type: 'string', description: 'City and country, e.g. Tokyo, Japan' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
        required: ['location'],
        additionalProperties: false,
      },
      strict: true,
    },
  ],
  reasoning: { effort: 'low' },
  include: ['reasoning.encrypted_content'],
  store: false,
}

/** The Responses stamps: a key of newResponseKey()'s length and alphabet (32 base62), so ids look like real ones. */
const goldenResponses: EncodeResponseOptions = {
  responseKey: 'AnvatGoldenResponse0000000000001',
  createdAt: 1760000000,
  model: 'claude-alias',
  request: goldenResponsesRequest,
  includeEncryptedReasoning: true,
  customToolNames: new Set(),
}

/** The fixed stamps the client sees. Ids keep the length and prefix of the random ones the routes make. */
export const goldenStamps = {
  chat: { id: 'chatcmpl-AnvatGoldenChatCompletion0001', created: 1760000000, model: 'claude-alias', includeUsage: true, toolNames: {} },
  anthropic: { id: 'msg_01AnvatGoldenMessage0001', model: 'gpt-alias', inputTokensEstimate: 1234 },
  responses: goldenResponses,
} as const

const dialectsOfPair: Record<TranslationPair, { upstream: DialectName; client: DialectName }> = {
  'anthropic-to-openai-chat': { upstream: 'anthropic', client: 'openai-chat' },
  'openai-chat-to-anthropic': { upstream: 'openai-chat', client: 'anthropic' },
  'anthropic-to-openai-responses': { upstream: 'anthropic', client: 'openai-responses' },
}

export function upstreamDialectOf(pair: TranslationPair): DialectName {
  return dialectsOfPair[pair].upstream
}

export function clientDialectOf(pair: TranslationPair): DialectName {
  return dialectsOfPair[pair].client
}

/** A fresh frame translator for one stream, chained exactly as the routes chain it. */
export function createGoldenTranslator(pair: TranslationPair): FrameTranslator {
  if (pair === 'anthropic-to-openai-chat') return frameTranslator(decodeAnthropicStream, encodeChatStream({ ...goldenStamps.chat }), {})
  if (pair === 'anthropic-to-openai-responses') return frameTranslator(decodeAnthropicStream, encodeResponsesStream(goldenStamps.responses), {})
  return frameTranslator(decodeChatStream, encodeAnthropicStream(goldenStamps.anthropic), {})
}

/**
 * Upstream stream bytes, arriving in `chunks`, → the bytes the client receives: each chunk through the one SSE
 * parser, each frame through the translator, each output frame through the one SSE writer; then the input's end.
 */
export function translateStream(pair: TranslationPair, chunks: Iterable<Uint8Array>): Uint8Array {
  const decoder = createSseDecoder()
  const translator = createGoldenTranslator(pair)
  const output: Uint8Array[] = []
  const write = (frames: OutputFrame[]) => {
    output.push(encodeSseFrames(frames))
  }
  for (const chunk of chunks) for (const frame of decoder.push(chunk)) write(translator.step(frame))
  for (const frame of decoder.end()) write(translator.step(frame))
  write(translator.flush())
  return Buffer.concat(output)
}

/** A whole upstream response body → the client's body, as compact JSON text (what the routes send). */
export function translateWhole(pair: TranslationPair, bodyText: string): string {
  if (pair === 'anthropic-to-openai-chat') {
    const { response } = decodeAnthropicResponse(JSON.parse(bodyText))
    return JSON.stringify(encodeChatResponse(response, goldenStamps.chat))
  }
  if (pair === 'anthropic-to-openai-responses') {
    const { response } = decodeAnthropicResponse(JSON.parse(bodyText))
    return JSON.stringify(encodeResponsesResponse(response, goldenStamps.responses))
  }
  return JSON.stringify(encodeAnthropicResponse(decodeChatResponse(JSON.parse(bodyText)), goldenStamps.anthropic))
}

const upstreamDirectory = join(import.meta.dir, '..', 'fixtures', 'upstream')

/**
 * Scenario names of the upstream fixtures with `suffix` (`.stream.sse`, `.response.json`), read from the folder so
 * a new recording joins the matrix without a list to update. `count-tokens` is another operation's answer, not a
 * message, and has no translation.
 */
export async function upstreamScenarios(dialect: DialectName, suffix: string): Promise<string[]> {
  const names = await readdir(join(upstreamDirectory, dialect))
  return names
    .filter((name) => name.endsWith(suffix))
    .map((name) => name.slice(0, -suffix.length))
    .filter((scenario) => scenario !== 'count-tokens')
    .sort()
}
