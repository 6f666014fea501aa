import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

/*
 * Hrana over HTTP, JSON encoding: the structures a pipeline request carries and the ones its response returns.
 * Field names are the spec's. Objects stay open, because the spec tells a peer to ignore fields it does not know.
 * @see https://github.com/tursodatabase/libsql/blob/main/docs/HRANA_3_SPEC.md
 */

const int32 = Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 })
const uint32 = Type.Integer({ minimum: 0, maximum: 4_294_967_295 })
const optionalNullable = <Schema extends Parameters<typeof Type.Union>[0][number]>(schema: Schema) =>
  Type.Optional(Type.Union([schema, Type.Null()]))

/** A SQLite value. Integers travel as decimal strings, because JSON numbers lose precision past 2^53. */
export const HranaValue = Type.Union([
  Type.Object({ type: Type.Literal('null') }),
  Type.Object({ type: Type.Literal('integer'), value: Type.String({ pattern: '^-?[0-9]{1,20}$' }) }),
  Type.Object({ type: Type.Literal('float'), value: Type.Number() }),
  Type.Object({ type: Type.Literal('text'), value: Type.String() }),
  Type.Object({ type: Type.Literal('blob'), base64: Type.String() }),
])
export type HranaValue = Static<typeof HranaValue>

export const HranaStatement = Type.Object({
  sql: optionalNullable(Type.String()),
  sql_id: optionalNullable(int32),
  args: Type.Optional(Type.Array(HranaValue)),
  named_args: Type.Optional(Type.Array(Type.Object({ name: Type.String(), value: HranaValue }))),
  want_rows: Type.Optional(Type.Boolean()),
})
export type HranaStatement = Static<typeof HranaStatement>

export const HranaBatchCondition = Type.Recursive((condition) =>
  Type.Union([
    Type.Object({ type: Type.Literal('ok'), step: uint32 }),
    Type.Object({ type: Type.Literal('error'), step: uint32 }),
    Type.Object({ type: Type.Literal('not'), cond: condition }),
    Type.Object({ type: Type.Literal('and'), conds: Type.Array(condition) }),
    Type.Object({ type: Type.Literal('or'), conds: Type.Array(condition) }),
    Type.Object({ type: Type.Literal('is_autocommit') }),
  ]),
)
export type HranaBatchCondition = Static<typeof HranaBatchCondition>

export const HranaBatch = Type.Object({
  steps: Type.Array(Type.Object({ condition: optionalNullable(HranaBatchCondition), stmt: HranaStatement })),
})
export type HranaBatch = Static<typeof HranaBatch>

const sqlReference = { sql: optionalNullable(Type.String()), sql_id: optionalNullable(int32) }

export const HranaStreamRequest = Type.Union([
  Type.Object({ type: Type.Literal('close') }),
  Type.Object({ type: Type.Literal('execute'), stmt: HranaStatement }),
  Type.Object({ type: Type.Literal('batch'), batch: HranaBatch }),
  Type.Object({ type: Type.Literal('sequence'), ...sqlReference }),
  Type.Object({ type: Type.Literal('describe'), ...sqlReference }),
  Type.Object({ type: Type.Literal('store_sql'), sql_id: int32, sql: Type.String() }),
  Type.Object({ type: Type.Literal('close_sql'), sql_id: int32 }),
  Type.Object({ type: Type.Literal('get_autocommit') }),
])
export type HranaStreamRequest = Static<typeof HranaStreamRequest>

export const HranaPipelineRequestBody = Type.Object({
  baton: optionalNullable(Type.String()),
  requests: Type.Array(HranaStreamRequest),
})
export type HranaPipelineRequestBody = Static<typeof HranaPipelineRequestBody>

/** Compiled once: the server checks every pipeline body against it. */
export const pipelineRequestBodyChecker = TypeCompiler.Compile(HranaPipelineRequestBody)

/** `code` is machine-readable; the spec leaves the vocabulary to the server, so these follow sqld's. */
export type HranaError = { message: string; code: string }

export type HranaColumn = { name: string | null; decltype: string | null }

export type HranaStatementResult = {
  cols: HranaColumn[]
  rows: HranaValue[][]
  affected_row_count: number
  last_insert_rowid: string | null
  rows_read: number
  rows_written: number
  query_duration_ms: number
}

export type HranaBatchResult = { step_results: (HranaStatementResult | null)[]; step_errors: (HranaError | null)[] }

export type HranaDescribeResult = {
  params: { name: string | null }[]
  cols: { name: string; decltype: string | null }[]
  is_explain: boolean
  is_readonly: boolean
}

export type HranaStreamResponse =
  | { type: 'close' }
  | { type: 'execute'; result: HranaStatementResult }
  | { type: 'batch'; result: HranaBatchResult }
  | { type: 'sequence' }
  | { type: 'describe'; result: HranaDescribeResult }
  | { type: 'store_sql' }
  | { type: 'close_sql' }
  | { type: 'get_autocommit'; is_autocommit: boolean }

export type HranaStreamResult = { type: 'ok'; response: HranaStreamResponse } | { type: 'error'; error: HranaError }

export type HranaPipelineResponseBody = { baton: string | null; base_url: string | null; results: HranaStreamResult[] }

/** What bun:sqlite binds and returns, with `safeIntegers` on: every INTEGER is a bigint. */
export type SqliteValue = null | bigint | number | string | Uint8Array

/** Hrana → bun:sqlite. The integer pattern in the schema guarantees `BigInt` accepts the string. */
export function decodeHranaValue(value: HranaValue): SqliteValue {
  switch (value.type) {
    case 'null':
      return null
    case 'integer':
      return BigInt(value.value)
    case 'float':
      return value.value
    case 'text':
      return value.value
    case 'blob':
      return new Uint8Array(Buffer.from(value.base64, 'base64'))
  }
}

/** bun:sqlite → Hrana. A `number` here is always a REAL, because the connection returns integers as bigints. */
export function encodeHranaValue(value: SqliteValue): HranaValue {
  if (value === null) return { type: 'null' }
  if (typeof value === 'bigint') return { type: 'integer', value: value.toString() }
  if (typeof value === 'number') return { type: 'float', value }
  if (typeof value === 'string') return { type: 'text', value }
  return { type: 'blob', base64: Buffer.from(value).toString('base64') }
}
