import type { Tiktoken } from 'js-tiktoken/lite'
import type { CanonicalMessage, CanonicalRequest, CanonicalTool, ContentPart } from '../core/canonical.ts'
import { createTokenMemo, type TokenMemo } from './token-memo.ts'
import { renderToolDefinition, toolNamespaceClosing, toolNamespaceOpening } from './tool-namespace.ts'

/*
 * Input tokens of a canonical request, estimated with OpenAI's o200k_base encoding over the request as a Chat upstream
 * receives it (WIRE.md §5): count_tokens answers with it, and the same figure is meant for `message_start` and the
 * ledger's reservation. Close for OpenAI's o200k models (the corpus in test/fixtures/token-counts holds real
 * `prompt_tokens`, and test/translate/token-estimator-accuracy.test.ts keeps every fixture within its bound), and
 * approximate for other tokenizers. What is counted:
 *
 * - every message's text: system blocks (each its own message, as Chat clients send them), text parts, text
 *   documents, tool-call names and arguments, tool-result text; `messageOverheadTokens` per message, where each tool
 *   result is a message of its own and a user turn holding only results adds none;
 * - tools as the server renders them, a TypeScript-like namespace (tool-namespace.ts), in the system message or in
 *   one the server opens for them; a tool call as its name and arguments, or, for two and more in one turn, as the
 *   `multi_tool_use.parallel` call that carries them; a tool result also as the name of the call it answers;
 * - a json-schema response format by its name and a share of its schema's JSON (fitted: see the constants);
 * - a flat value per image (`imageTokens`, `imageLowDetailTokens`) and per non-text document (`documentTokens`):
 *   reading pixel sizes or page counts would mean decoding the media; reasoning parts count nothing.
 *
 * The ranks (about 2 MB of text; some 65 MB of RSS once js-tiktoken has parsed them, see bench/README.md) load on
 * the first count, through a dynamic import, so start-up and idle memory do not pay for them. Encoding runs at about 2 MB of text a second, so
 * counts of texts already seen are memoised (token-memo.ts): a conversation that grows by one turn encodes only that
 * turn. What one request may encode is bounded: see `longRunCharactersMin` and `encodedCharactersMax`.
 */

/** OpenAI's per-message framing, `<|start|>` role `<|message|>` … `<|end|>`: three tokens and the role's one. */
export const messageOverheadTokens = 4
/** The reply's own `<|start|>assistant<|message|>`, once per request. */
export const replyPrimingTokens = 3
/** Reasoning models (o-series, gpt-5) prime the reply without `<|message|>`, since they choose its channel first. */
export const reasoningReplyPrimingTokens = 2
/** Framing of the rendered tool namespace, beyond its text (fitted to the corpus: one or two tokens). */
export const toolSectionOverheadTokens = 2
/** A tool call's header beyond its name and arguments (`to=functions.…`); the parallel wrapper takes the same. */
export const toolCallOverheadTokens = 3
/** A tool result's header beyond the name of the call it answers. */
export const toolResultOverheadTokens = 2
/** A json-schema response format's framing beyond its name (fitted to the corpus's two schemas). */
export const responseFormatOverheadTokens = 16
/** The server renders a response schema more tersely than its JSON: this share of the JSON's tokens (fitted). */
export const responseFormatSchemaTokenRatio = 0.56
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
 * model's context); memoised texts cost nothing against it, and text past it counts `overflowCharactersPerToken`
 * characters a token, so a body of the maximum size is counted in bounded time.
 */
export const encodedCharactersMax = 2 * 1024 * 1024
/** Below prose's four characters a token, so overflow is not under-counted. */
export const overflowCharactersPerToken = 3
/** Default bound of the memo: at about 100 bytes an entry, 7 MB, room for dozens of 400k-token conversations. */
export const memoEntriesMaxDefault = 65_536
/** Default length below which a text is encoded every time rather than memoised. */
export const memoCharactersMinDefault = 16
const longRun = new RegExp(`[\\p{L}\\p{M}]{${longRunCharactersMin},}|[^\\s\\p{L}\\p{N}]{${longRunCharactersMin},}|\\s{${longRunCharactersMin},}`, 'gu')
const reasoningModel = /^(?:openai\/)?(?:o\d|gpt-5)/i

export type TokenEstimatorOptions = {
  /** Most text counts the memo keeps; 0 turns the memo off. */
  memoEntriesMax?: number
  /** Texts shorter than this many characters are encoded every time rather than memoised. */
  memoCharactersMin?: number
}

/** Counters since the estimator was created, for tests and benchmarks. */
export type TokenEstimatorStats = { memoEntries: number; memoHits: number; memoMisses: number; encodedCharacters: number }

export type TokenEstimator = {
  /**
   * Estimated input tokens for a request; loads the encoding on the first call. `upstreamModel`, the model id the
   * upstream receives, refines the count for reasoning models; without it the count is a gpt-4o-style model's.
   */
  countRequest: (request: CanonicalRequest, upstreamModel?: string) => Promise<number>
  /**
   * The same count, synchronously, or undefined while the encoding is not loaded yet (nothing is started). Text past
   * `encodedCharactersBudget` that the memo does not know counts by its length instead of being encoded, so a caller
   * on the request path bounds what one request can cost; what was encoded is memoised, so a growing conversation is
   * counted exactly within a few turns.
   */
  countRequestIfLoaded: (request: CanonicalRequest, upstreamModel?: string, encodedCharactersBudget?: number) => number | undefined
  /** Starts loading the encoding in the background, if it is not loaded or loading yet. */
  warmUp: () => void
  /** Whether the encoding has been loaded yet. */
  loaded: () => boolean
  stats: () => TokenEstimatorStats
}

type TextCounter = (text: string) => number

/** An estimator whose encoding is built on first use and then kept, with its memo, for the life of the gateway. */
export function createTokenEstimator(options: TokenEstimatorOptions = {}): TokenEstimator {
  const memo = createTokenMemo(options.memoEntriesMax ?? memoEntriesMaxDefault)
  const memoCharactersMin = options.memoCharactersMin ?? memoCharactersMinDefault
  const stats = { memoHits: 0, memoMisses: 0, encodedCharacters: 0 }
  let encoder: Tiktoken | undefined
  let loading: Promise<Tiktoken> | undefined
  const load = () =>
    (loading ??= Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/o200k_base')]).then(([lite, ranks]) => {
      encoder = new lite.Tiktoken(ranks.default)
      return encoder
    }))
  const count = (loadedEncoder: Tiktoken, request: CanonicalRequest, upstreamModel: string | undefined, budget = encodedCharactersMax) =>
    countRequestWith(memoisedCounter(loadedEncoder, memo, memoCharactersMin, stats, budget), request, upstreamModel)
  return {
    countRequest: async (request, upstreamModel) => count(encoder ?? (await load()), request, upstreamModel),
    countRequestIfLoaded: (request, upstreamModel, budget) => (encoder === undefined ? undefined : count(encoder, request, upstreamModel, budget)),
    warmUp: () => {
      load().catch(() => {
        // A failed load is retried by the next count, which reports it.
        loading = undefined
      })
    },
    loaded: () => encoder !== undefined,
    stats: () => ({ memoEntries: memo.size(), ...stats }),
  }
}

/** The reply priming the upstream model adds: two tokens for reasoning models, three for the others. */
export function replyPrimingTokensFor(upstreamModel: string | undefined): number {
  return upstreamModel !== undefined && reasoningModel.test(upstreamModel) ? reasoningReplyPrimingTokens : replyPrimingTokens
}

/**
 * A counter for one request: tokens of a text, special-token spellings counted as plain text. A memo hit costs a hash;
 * a miss encodes within the request's budget and is memoised only if it was encoded exactly.
 */
function memoisedCounter(
  encoder: Tiktoken,
  memo: TokenMemo,
  memoCharactersMin: number,
  stats: Omit<TokenEstimatorStats, 'memoEntries'>,
  budget: number,
): TextCounter {
  let budgetCharacters = Math.min(budget, encodedCharactersMax)
  let exact = true
  const encoded = (text: string) => {
    if (text === '') return 0
    if (text.length > budgetCharacters) {
      exact = false
      return Math.ceil(text.length / overflowCharactersPerToken)
    }
    budgetCharacters -= text.length
    stats.encodedCharacters += text.length
    return encoder.encode(text, [], []).length
  }
  const fresh = (text: string) => {
    let tokens = 0
    let start = 0
    for (const match of text.matchAll(longRun)) {
      tokens += encoded(text.slice(start, match.index))
      tokens += Math.ceil(match[0].length / longRunCharactersPerToken)
      start = match.index + match[0].length
    }
    return tokens + encoded(text.slice(start))
  }
  return (text) => {
    if (text.length < memoCharactersMin) return fresh(text)
    const key = memo.keyOf(text)
    const known = memo.get(key)
    if (known !== undefined) {
      stats.memoHits++
      return known
    }
    stats.memoMisses++
    exact = true
    const tokens = fresh(text)
    if (exact) memo.set(key, tokens)
    return tokens
  }
}

function countRequestWith(count: TextCounter, request: CanonicalRequest, upstreamModel: string | undefined): number {
  let tokens = replyPrimingTokensFor(upstreamModel)
  for (const block of request.system) tokens += messageOverheadTokens + count(block.text)
  if (request.tools.length > 0) tokens += countTools(count, request.tools, request.system.length > 0)
  if (request.responseFormat?.type === 'json-schema') {
    const schemaTokens = count(JSON.stringify(request.responseFormat.schema))
    tokens += responseFormatOverheadTokens + count(request.responseFormat.name) + Math.ceil(schemaTokens * responseFormatSchemaTokenRatio)
  }
  const toolNames = new Map<string, string>()
  for (const message of request.messages) tokens += countMessage(count, message, toolNames)
  return tokens
}

/** The rendered namespace, in the system message or (without one) in a message the server opens for it. */
function countTools(count: TextCounter, tools: CanonicalTool[], inSystemMessage: boolean): number {
  // One text, not one per tool: tokens merge across the joins (`;\n\n//` is one piece), and a session's tools repeat
  // unchanged, so the memo holds the whole section.
  const section = toolNamespaceOpening + tools.map(renderToolDefinition).join('') + toolNamespaceClosing
  return toolSectionOverheadTokens + (inSystemMessage ? 0 : messageOverheadTokens) + count(section)
}

/** One canonical turn as the Chat messages it becomes; `toolNames` learns each call's name for its result. */
function countMessage(count: TextCounter, message: CanonicalMessage, toolNames: Map<string, string>): number {
  if (message.role === 'assistant') {
    let tokens = messageOverheadTokens
    const calls: Array<Extract<ContentPart, { type: 'tool-call' }>> = []
    for (const part of message.content) {
      if (part.type === 'tool-call') calls.push(part)
      else tokens += countPart(count, part)
    }
    // A turn of reasoning alone never reaches a Chat upstream: the encoder drops the emptied message.
    if (message.content.every((part) => part.type === 'reasoning' || part.type === 'redacted-reasoning')) return 0
    for (const call of calls) toolNames.set(call.id, call.name)
    const [first] = calls
    if (calls.length === 1 && first !== undefined) tokens += toolCallOverheadTokens + count(first.name) + count(first.arguments)
    if (calls.length > 1) tokens += toolCallOverheadTokens + count(parallelCallText(calls))
    return tokens
  }
  let tokens = 0
  let userContent = false
  for (const part of message.content) {
    if (part.type === 'tool-result') {
      tokens += messageOverheadTokens + toolResultOverheadTokens + count(toolNames.get(part.toolCallId) ?? '') + countPart(count, part)
    } else {
      userContent = true
      tokens += countPart(count, part)
    }
  }
  return userContent ? tokens + messageOverheadTokens : tokens
}

/** Parallel calls as gpt-4o sees them: one call of `multi_tool_use.parallel` listing every call. */
function parallelCallText(calls: Array<Extract<ContentPart, { type: 'tool-call' }>>): string {
  const uses = calls.map((call) => `{"recipient_name":"functions.${call.name}","parameters":${call.arguments === '' ? '{}' : call.arguments}}`)
  return `{"tool_uses":[${uses.join(',')}]}`
}

/** A part's own tokens, without the framing of the message that carries it. */
function countPart(count: TextCounter, part: ContentPart): number {
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
      return part.content.reduce((sum, item) => sum + (item.type === 'text' ? count(item.text) : imageTokens), 0)
    case 'reasoning':
    case 'redacted-reasoning':
      return 0
  }
}
