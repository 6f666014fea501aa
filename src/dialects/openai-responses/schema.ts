import { Type, type Static } from '@sinclair/typebox'
import { listItemsMax, modelIdLengthMax, tokensMax } from '../../core/wire-limits.ts'

/*
 * Envelope schema for the Responses API: the fields the gateway relies on, everything else passed through.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */

const open = { additionalProperties: true } as const
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Optional(Type.Union([schema, Type.Null()]))

/** An input item: a message (`role`) or a typed item (`type`); the details are the upstream's to judge. */
export const OpenAIResponseInputItemParam = Type.Object({}, open)

export const OpenAIResponseToolParam = Type.Object({ type: Type.String({ minLength: 1 }) }, open)

export const OpenAIResponseCreateParams = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: modelIdLengthMax }),
    input: Type.Optional(
      Type.Union([Type.String(), Type.Array(OpenAIResponseInputItemParam, { maxItems: listItemsMax })]),
    ),
    instructions: nullable(Type.String()),
    max_output_tokens: nullable(Type.Integer({ minimum: 0, maximum: tokensMax })),
    stream: nullable(Type.Boolean()),
    temperature: nullable(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: nullable(Type.Number({ minimum: 0, maximum: 1 })),
    tools: Type.Optional(Type.Array(OpenAIResponseToolParam, { maxItems: listItemsMax })),
  },
  open,
)
export type OpenAIResponseCreateParams = Static<typeof OpenAIResponseCreateParams>
