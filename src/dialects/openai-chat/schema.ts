import { Type, type Static } from '@sinclair/typebox'
import { listItemsMax, modelIdLengthMax, tokensMax } from '../../core/wire-limits.ts'

/*
 * Envelope schema for Chat Completions: the fields the gateway relies on, everything else passed through.
 * OpenAI's SDKs send `null` for unset optional fields in places, so optional fields accept it.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */

const open = { additionalProperties: true } as const
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Optional(Type.Union([schema, Type.Null()]))

export const OpenAIChatContentPartParam = Type.Object({ type: Type.String({ minLength: 1 }) }, open)

export const OpenAIChatMessageParam = Type.Object(
  {
    role: Type.Union([
      Type.Literal('system'),
      Type.Literal('developer'),
      Type.Literal('user'),
      Type.Literal('assistant'),
      Type.Literal('tool'),
      Type.Literal('function'),
    ]),
    content: nullable(Type.Union([Type.String(), Type.Array(OpenAIChatContentPartParam, { maxItems: listItemsMax })])),
  },
  open,
)

export const OpenAIChatToolParam = Type.Object({ type: Type.String({ minLength: 1 }) }, open)

export const OpenAIChatCompletionCreateParams = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: modelIdLengthMax }),
    messages: Type.Array(OpenAIChatMessageParam, { minItems: 1, maxItems: listItemsMax }),
    max_tokens: nullable(Type.Integer({ minimum: 0, maximum: tokensMax })),
    max_completion_tokens: nullable(Type.Integer({ minimum: 0, maximum: tokensMax })),
    n: nullable(Type.Integer({ minimum: 1, maximum: 128 })),
    stream: nullable(Type.Boolean()),
    stream_options: nullable(Type.Object({}, open)),
    temperature: nullable(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: nullable(Type.Number({ minimum: 0, maximum: 1 })),
    tools: Type.Optional(Type.Array(OpenAIChatToolParam, { maxItems: listItemsMax })),
  },
  open,
)
export type OpenAIChatCompletionCreateParams = Static<typeof OpenAIChatCompletionCreateParams>
