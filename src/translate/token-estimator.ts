import type { Tiktoken } from 'js-tiktoken/lite'
import type { CanonicalRequest, ContentPart } from '../core/canonical.ts'

/*
 * count_tokens for models whose provider does not speak Anthropic (WIRE.md §5): an estimate with OpenAI's o200k_base
 * encoding over the request as it goes upstream after translation. It is close for OpenAI's o200k models and
 * approximate for other tokenizers. What is counted:
 *
 * - system text, every text part, text documents, tool-call names and arguments, tool-result text, and each tool's
 *   name, description and `JSON.stringify(parameters)` (plus a json-schema response format's schema);
 * - fixed overheads: `messageOverheadTokens` per message (system counts as one, and so does each tool result, which
 *   Chat sends as its own `tool` message), `toolOverheadTokens` per tool, `replyPrimingTokens` once;
 * - a flat value per image (`imageTokens`, or `imageLowDetailTokens` for detail "low") and per non-text document
 *   (`documentTokens`): reading pixel sizes or page counts would mean decoding the media;
 * - reasoning parts count nothing: Chat upstreams never receive them back.
 *
 * A request's encoding is bounded: see `longRunCharactersMin` and `encodedCharactersMax`. The ranks (about 2 MB of text, several MB once parsed) load on the first count, through a dynamic import, so
 * start-up and idle memory do not pay for them.
 */

/** OpenAI's per-message framing (`<|start|>role<|message|>…<|end|>`). */
export const messageOverheadTokens = 3
/** The reply's own `<|start|>assistant<|message|>`, once per request. */
export const replyPrimingTokens = 3
/** Framing of one function definition in the rendered tool namespace. */
export const toolOverheadTokens = 8
/** One image: OpenAI's high-detail figure for a 1024×1024 image (85 + 4 tiles × 170). */
export const imageTokens = 765
/** One image sent with detail "low": OpenAI's fixed figure. */
export const imageLowDetailTokens = 85
/** One PDF or other binary document, whose page count is unknown: Anthropic's upper figure for one page. */
export const documentTokens = 3_000
/**
 * js-tiktoken merges each regex piece in quadratic time (10,000 repeated letters take seconds), so a run of one
 * character class at least this long is not encoded: it counts `longRunCharactersPerToken` characters a token.
 */
export const longRunCharactersMin = 64
/** About base64's and random letters' rate under o200k, so a long run is not under-counted. */
export const longRunCharactersPerToken = 2
/**
 * The most characters one request sends through the encoder (about 500,000 tokens of prose, more than any o200k
 * model's context); text past it counts `overflowCharactersPerToken` characters a token, so a body of the maximum
 * size is counted in bounded time.
 */
export const encodedCharactersMax = 2 * 1024 * 1024
/** Below prose's four characters a token, so overflow is not under-counted. */
export const overflowCharactersPerToken = 3
const longRun = new RegExp(`[\\p{L}\\p{M}]{${longRunCharactersMin},}|[^\\s\\p{L}\\p{N}]{${longRunCharactersMin},}|\\s{${longRunCharactersMin},}`, 'gu')

export type TokenEstimator = {
  /** Estimated input tokens for a request; loads the encoding on the first call. */
  countRequest: (request: CanonicalRequest) => Promise<number>
  /** Whether the encoding has been loaded yet. */
  loaded: () => boolean
}

/** An estimator whose encoding is built on first use and then kept for the life of the gateway. */
export function createTokenEstimator(): TokenEstimator {
  let encoder: Tiktoken | undefined
  let loading: Promise<Tiktoken> | undefined
  const load = () =>
    (loading ??= Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/o200k_base')]).then(([lite, ranks]) => {
      encoder = new lite.Tiktoken(ranks.default)
      return encoder
    }))
  return {
    countRequest: async (request) => countWith(encoder ?? (await load()), request),
    loaded: () => encoder !== undefined,
  }
}

/** A counter over one request: tokens in a text, special-token spellings counted as plain text, within the budget. */
export function textCounter(encoder: Tiktoken): (text: string) => number {
  let budgetCharacters = encodedCharactersMax
  const encodedLength = (text: string) => {
    if (text === '') return 0
    if (text.length > budgetCharacters) return Math.ceil(text.length / overflowCharactersPerToken)
    budgetCharacters -= text.length
    return encoder.encode(text, [], []).length
  }
  return (text) => {
    let tokens = 0
    let start = 0
    for (const match of text.matchAll(longRun)) {
      tokens += encodedLength(text.slice(start, match.index))
      tokens += Math.ceil(match[0].length / longRunCharactersPerToken)
      start = match.index + match[0].length
    }
    return tokens + encodedLength(text.slice(start))
  }
}

function countWith(encoder: Tiktoken, request: CanonicalRequest): number {
  const count = textCounter(encoder)
  let tokens = replyPrimingTokens
  if (request.system.length > 0) tokens += messageOverheadTokens + count(request.system.map((block) => block.text).join('\n\n'))
  for (const tool of request.tools) {
    tokens += toolOverheadTokens + count(tool.name) + count(tool.description ?? '') + count(JSON.stringify(tool.parameters))
  }
  if (request.responseFormat?.type === 'json-schema') tokens += count(request.responseFormat.name) + count(JSON.stringify(request.responseFormat.schema))
  for (const message of request.messages) {
    tokens += messageOverheadTokens
    for (const part of message.content) tokens += countPart(part, count)
  }
  return tokens
}

function countPart(part: ContentPart, count: (text: string) => number): number {
  switch (part.type) {
    case 'text':
      return count(part.text)
    case 'image':
      return part.detail === 'low' ? imageLowDetailTokens : imageTokens
    case 'document':
      return part.source.kind === 'text' ? count(part.source.text) + count(part.title ?? '') : documentTokens
    case 'tool-call':
      return count(part.name) + count(part.arguments)
    case 'tool-result':
      return messageOverheadTokens + part.content.reduce((sum, item) => sum + (item.type === 'text' ? count(item.text) : imageTokens), 0)
    case 'reasoning':
    case 'redacted-reasoning':
      return 0
  }
}

