import { Type, type Static } from '@sinclair/typebox'
import { listItemsMax, modelIdLengthMax, tokensMax } from '../../core/wire-limits.ts'

/*
 * Envelope schemas for Anthropic Messages. They check what the gateway relies on (model, token limits, roles, the
 * shape of lists) and let every other field through untouched, so new API features keep working on passthrough.
 * @see https://docs.anthropic.com/en/api/messages
 */

const open = { additionalProperties: true } as const

/** A content block: any object with a string `type`; its details are the upstream's to judge. */
export const AnthropicContentBlockParam = Type.Object({ type: Type.String({ minLength: 1 }) }, open)

const content = Type.Union([Type.String(), Type.Array(AnthropicContentBlockParam, { maxItems: listItemsMax })])

export const AnthropicMessageParam = Type.Object(
  { role: Type.Union([Type.Literal('user'), Type.Literal('assistant'), Type.Literal('system')]), content },
  open,
)

export const AnthropicToolParam = Type.Object({ name: Type.String({ minLength: 1 }) }, open)

const sharedFields = {
  model: Type.String({ minLength: 1, maxLength: modelIdLengthMax }),
  messages: Type.Array(AnthropicMessageParam, { maxItems: listItemsMax }),
  system: Type.Optional(content),
  tools: Type.Optional(Type.Array(AnthropicToolParam, { maxItems: listItemsMax })),
  tool_choice: Type.Optional(Type.Object({ type: Type.String({ minLength: 1 }) }, open)),
  thinking: Type.Optional(Type.Object({ type: Type.String({ minLength: 1 }) }, open)),
}

export const AnthropicMessageCreateParams = Type.Object(
  {
    ...sharedFields,
    max_tokens: Type.Integer({ minimum: 0, maximum: tokensMax }),
    stream: Type.Optional(Type.Boolean()),
    stop_sequences: Type.Optional(Type.Array(Type.String(), { maxItems: listItemsMax })),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    top_k: Type.Optional(Type.Integer({ minimum: 0, maximum: tokensMax })),
    metadata: Type.Optional(Type.Object({}, open)),
  },
  open,
)
export type AnthropicMessageCreateParams = Static<typeof AnthropicMessageCreateParams>

export const AnthropicMessageCountTokensParams = Type.Object(sharedFields, open)
export type AnthropicMessageCountTokensParams = Static<typeof AnthropicMessageCountTokensParams>
