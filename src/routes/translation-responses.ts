import type { CanonicalResponse } from '../core/canonical.ts'
import { fail } from '../core/error.ts'
import { decodeResponse as decodeAnthropicResponse } from '../dialects/anthropic/decode-response.ts'
import { decodeStream as decodeAnthropicStream } from '../dialects/anthropic/decode-stream.ts'
import { encodeRequest as encodeAnthropicRequest } from '../dialects/anthropic/encode-request.ts'
import { decodeRequest as decodeResponsesRequest } from '../dialects/openai-responses/decode-request.ts'
import { encodeResponse as encodeResponsesResponse, type EncodeResponseOptions } from '../dialects/openai-responses/encode-response.ts'
import { encodeStream as encodeResponsesStream } from '../dialects/openai-responses/encode-stream.ts'
import { newResponseKey, responseIdOf } from '../dialects/openai-responses/item-id.ts'
import { createStreamAccumulator } from '../translate/accumulate.ts'
import { frameTranslator } from '../translate/frame-translator.ts'
import { restoreThinking, vaultedTurnOf } from '../translate/thinking-vault.ts'
import type { ResponseState } from './response-state.ts'
import { outputLimitIn, type TranslationInput, type TranslationPlan } from './translation.ts'

/** What a Responses call adds to a translation: its input with references resolved, and where state is kept. */
export type ResponsesTranslationInput = { expandedInput: Array<Record<string, unknown>>; responseState: ResponseState }

/**
 * Codex or the AI SDK's Responses provider → an Anthropic upstream (WIRE.md §3.1, §3.2). The request is decoded with
 * its chain already expanded; each finished answer is kept (unless the caller said `store: false`) as the chain's
 * items plus the new output items, reasoning always packed, so the next `previous_response_id` restores Claude's
 * thinking byte for byte.
 */
export function responsesToAnthropic(input: TranslationInput & { responses: ResponsesTranslationInput }): TranslationPlan {
  const { responses } = input
  const decoded = decodeResponsesRequest({ ...input.body, input: responses.expandedInput })
  if ('error' in decoded) {
    const notFound = decoded.error.message.startsWith('Item with id')
    return fail(notFound ? 'caller_not_found' : 'caller_invalid_request', decoded.error.message, { param: decoded.error.param })
  }
  if (decoded.request.messages.length === 0) {
    // Anthropic needs at least one message; OpenAI would answer this too, without calling a model.
    return fail('caller_invalid_request', 'input: the request has no user or assistant content to answer.', { param: 'input' })
  }
  const { keyId, thinkingVault } = input
  const messages = restoreThinking(decoded.request.messages, (toolCallIds) => thinkingVault.recall(keyId, toolCallIds))
  const encoded = encodeAnthropicRequest({ ...decoded.request, messages }, { upstreamModel: input.upstreamModel, defaultMaxTokens: input.outputTokensMaxDefault })
  const include = Array.isArray(input.body.include) ? input.body.include : []
  const options: EncodeResponseOptions = {
    responseKey: newResponseKey(),
    createdAt: input.nowSeconds,
    model: input.model,
    request: input.body,
    includeEncryptedReasoning: include.includes('reasoning.encrypted_content') || input.body.store === false,
    customToolNames: decoded.customToolNames,
  }
  const keep = (response: CanonicalResponse) => {
    const turn = vaultedTurnOf(response.content)
    if (turn !== undefined) thinkingVault.remember(keyId, turn.toolCallIds, turn.blocks)
    if (input.body.store === false) return
    const stored = encodeResponsesResponse(response, { ...options, includeEncryptedReasoning: true })
    responses.responseState.save(keyId, responseIdOf(options.responseKey), [...responses.expandedInput, ...stored.output])
  }
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
      keep(response)
      return JSON.stringify(encodeResponsesResponse(response, options))
    },
    createTranslator: () => {
      const accumulator = createStreamAccumulator()
      return frameTranslator(decodeAnthropicStream, encodeResponsesStream(options), {}, (event) => {
        const finished = accumulator.step(event)
        if (finished !== undefined) keep(finished)
        return event
      })
    },
  }
}
