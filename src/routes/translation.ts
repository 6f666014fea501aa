import type { CanonicalRequest, CanonicalResponse, Warning } from '../core/canonical.ts'
import type { DialectName, Operation } from '../core/dialect.ts'
import { fail } from '../core/error.ts'
import { randomBase62 } from '../core/ids.ts'
import { decodeRequest as decodeAnthropicRequest } from '../dialects/anthropic/decode-request.ts'
import { decodeResponse as decodeAnthropicResponse } from '../dialects/anthropic/decode-response.ts'
import { decodeStream as decodeAnthropicStream } from '../dialects/anthropic/decode-stream.ts'
import { encodeRequest as encodeAnthropicRequest } from '../dialects/anthropic/encode-request.ts'
import { encodeResponse as encodeAnthropicResponse } from '../dialects/anthropic/encode-response.ts'
import { encodeStream as encodeAnthropicStream } from '../dialects/anthropic/encode-stream.ts'
import { packGatewaySignature } from '../dialects/anthropic/gateway-signature.ts'
import { decodeRequest as decodeChatRequest, type OpenAIChatVendorFields } from '../dialects/openai-chat/decode-request.ts'
import { decodeResponse as decodeChatResponse } from '../dialects/openai-chat/decode-response.ts'
import { decodeStream as decodeChatStream } from '../dialects/openai-chat/decode-stream.ts'
import { encodeRequest as encodeChatRequest } from '../dialects/openai-chat/encode-request.ts'
import { encodeResponse as encodeChatResponse } from '../dialects/openai-chat/encode-response.ts'
import { encodeStream as encodeChatStream } from '../dialects/openai-chat/encode-stream.ts'
import type { OpenAIChatCompletionCreateParams } from '../dialects/openai-chat/schema.ts'
import { originalToolName, type ToolNameMap } from '../dialects/openai-chat/tool-name.ts'
import { frameTranslator } from '../translate/frame-translator.ts'
import type { FrameTranslator } from '../translate/passthrough-stream.ts'
import { responsesToAnthropic, type ResponsesTranslationInput } from './translation-responses.ts'
import { initialTurnState, restoreThinking, stepTurn, vaultedTurnOf, type ThinkingVault, type VaultedTurn } from '../translate/thinking-vault.ts'

/** A cross-dialect call, planned: what to send upstream, and how to turn each answer back. */
export type TranslationPlan = {
  upstreamOperation: Operation
  upstreamDialect: DialectName
  /** The body for the upstream, in its dialect. */
  body: string
  /** The request in canonical form, as it goes upstream: what the input estimate counts. */
  request: CanonicalRequest
  /** The upstream field that holds the output limit, for lowering it when credit is short. */
  outputLimitField: string
  /** The output limit the upstream body carries (a thinking budget may have raised the caller's), for the hold. */
  outputTokensMax: number | undefined
  warnings: Warning[]
  translateWhole: (bodyText: string) => string
  createTranslator: () => FrameTranslator
}

export type TranslationInput = {
  /** The caller's validated body. */
  body: Record<string, unknown>
  /** The model id the caller used, echoed in every answer. */
  model: string
  upstreamModel: string
  outputTokensMaxDefault: number
  /** The input estimate of a canonical request (`message_start.usage.input_tokens` on translated Anthropic streams). */
  estimateInputTokens: (request: CanonicalRequest) => number
  nowSeconds: number
  /** The caller's API key id: vaulted thinking is only ever given back to the key it was written for. */
  keyId: string
  /** Claude's thinking from tool-call turns, for clients that cannot send it back (WIRE.md §2.3). */
  thinkingVault: ThinkingVault
  /** A Responses call's resolved input and stored state (absent for other operations). */
  responses?: ResponsesTranslationInput
}

/**
 * Plans the translation between the caller's dialect and the provider's, for the pairs translated so far
 * (Anthropic Messages ⇄ Chat Completions, Responses → Anthropic); other pairs answer 400 naming both. Untranslatable request parts are the
 * caller's 400 too, naming the part.
 */
export function planTranslation(operation: Operation, providerDialects: readonly DialectName[], input: TranslationInput): TranslationPlan | undefined {
  if (operation === 'messages' && providerDialects.includes('openai-chat')) return anthropicToChat(input)
  if (operation === 'chat-completions' && providerDialects.includes('anthropic')) return chatToAnthropic(input)
  if (operation === 'responses' && providerDialects.includes('anthropic') && input.responses !== undefined) return responsesToAnthropic({ ...input, responses: input.responses })
  return undefined
}

/** Claude Code or the Anthropic SDK → a Chat Completions upstream. */
function anthropicToChat(input: TranslationInput): TranslationPlan {
  const decoded = decodeAnthropicRequest(input.body)
  const encoded = encodeChatRequest(decoded.request, { upstreamModel: input.upstreamModel, maxTokensField: 'max_completion_tokens', systemRole: 'system' })
  if ('error' in encoded) return fail('caller_invalid_request', `${encoded.error.param}: ${encoded.error.message}`, { param: encoded.error.param })
  const toolNames = encoded.toolNames
  const id = `msg_01${randomBase62(22)}`
  const inputTokensEstimate = input.estimateInputTokens(decoded.request)
  return {
    upstreamOperation: 'chat-completions',
    upstreamDialect: 'openai-chat',
    body: JSON.stringify(encoded.body),
    request: decoded.request,
    outputLimitField: 'max_completion_tokens',
    outputTokensMax: outputLimitIn(encoded.body, 'max_completion_tokens'),
    warnings: [...decoded.warnings, ...encoded.warnings],
    translateWhole: (bodyText) => {
      const response = restoreToolNames(decodeChatResponse(JSON.parse(bodyText)), toolNames)
      const content = response.content.map((part) => (part.type === 'reasoning' && part.signature === undefined ? { ...part, signature: chatReasoningSignature } : part))
      return JSON.stringify(encodeAnthropicResponse({ ...response, content }, { id, model: input.model }))
    },
    createTranslator: () =>
      frameTranslator(
        decodeChatStream,
        encodeAnthropicStream({ id, model: input.model, inputTokensEstimate }),
        toolNames,
        (event) => (event.type === 'reasoning-end' && event.signature === undefined ? { ...event, signature: chatReasoningSignature } : event),
      ),
  }
}

/** The OpenAI SDK, LangChain or Cursor → an Anthropic upstream. */
function chatToAnthropic(input: TranslationInput): TranslationPlan {
  const decoded = decodeChatRequest(input.body as OpenAIChatCompletionCreateParams)
  if ('error' in decoded) return fail('caller_invalid_request', `${decoded.error.param}: ${decoded.error.message}`, { param: decoded.error.param })
  const { keyId, thinkingVault } = input
  const messages = restoreThinking(decoded.request.messages, (toolCallIds) => thinkingVault.recall(keyId, toolCallIds))
  const encoded = encodeAnthropicRequest({ ...decoded.request, messages }, { upstreamModel: input.upstreamModel, defaultMaxTokens: input.outputTokensMaxDefault })
  // The Chat encoders keep Claude's tool_use ids as the calls' ids, so the client sends back the ids vaulted here.
  const remember = (turn: VaultedTurn | undefined) => {
    if (turn !== undefined) thinkingVault.remember(keyId, turn.toolCallIds, turn.blocks)
  }
  const includeUsage = (decoded.request.vendor.openaiChat as OpenAIChatVendorFields | undefined)?.includeUsage === true
  const id = `chatcmpl-${randomBase62(29)}`
  return {
    upstreamOperation: 'messages',
    upstreamDialect: 'anthropic',
    body: JSON.stringify(encoded.body),
    request: { ...decoded.request, messages },
    outputLimitField: 'max_tokens',
    outputTokensMax: outputLimitIn(encoded.body, 'max_tokens'),
    warnings: [...decoded.warnings, ...encoded.warnings],
    translateWhole: (bodyText) => {
      const { response } = decodeAnthropicResponse(JSON.parse(bodyText))
      remember(vaultedTurnOf(response.content))
      return JSON.stringify(encodeChatResponse(response, { id, created: input.nowSeconds, model: input.model, toolNames: {} }))
    },
    createTranslator: () => {
      const turn = initialTurnState()
      return frameTranslator(decodeAnthropicStream, encodeChatStream({ id, created: input.nowSeconds, model: input.model, includeUsage, toolNames: {} }), {}, (event) => {
        remember(stepTurn(turn, event))
        return event
      })
    },
  }
}

/**
 * Reasoning text from a Chat upstream (`reasoning_content` and kin) reaches Anthropic clients as a thinking block
 * signed by the gateway, so clients that insist on a signature keep it; it is dropped before any Anthropic upstream.
 */
const chatReasoningSignature = packGatewaySignature({ kind: 'openai-chat-reasoning' })

/** Tool calls carry the caller's own tool names, however the upstream had to spell them. */
function restoreToolNames(response: CanonicalResponse, toolNames: ToolNameMap): CanonicalResponse {
  return {
    ...response,
    content: response.content.map((part) => (part.type === 'tool-call' ? { ...part, name: originalToolName(toolNames, part.name) } : part)),
  }
}

/** An encoded body's output limit, when it sets one. */
export function outputLimitIn(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field]
  return typeof value === 'number' ? value : undefined
}
