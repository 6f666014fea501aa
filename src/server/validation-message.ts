import type { TSchema } from '@sinclair/typebox'

/** One schema violation as Elysia reports it. */
export type SchemaViolation = { path: string; message: string; schema?: TSchema; value?: unknown }

/**
 * A caller-facing sentence for the first schema violation, naming the field the way the APIs do
 * (`messages.0.role: …`), plus that field for OpenAI's `param`.
 */
export function describeViolation(violation: SchemaViolation | undefined): { message: string; param: string | undefined } {
  if (violation === undefined) return { message: 'The request body is invalid.', param: undefined }
  const field = violation.path.split('/').filter((part) => part !== '').join('.')
  const missing = violation.value === undefined
  const detail = missing ? 'Field required' : expectation(violation.schema) ?? violation.message
  return { message: field === '' ? `Request body: ${detail}` : `${field}: ${detail}`, param: field === '' ? undefined : field }
}

function expectation(schema: TSchema | undefined): string | undefined {
  if (schema === undefined) return undefined
  const described = describeSchema(schema)
  return described === undefined ? undefined : `Input should be ${described}`
}

function describeSchema(schema: TSchema): string | undefined {
  if ('const' in schema) return JSON.stringify(schema.const)
  if (Array.isArray(schema.anyOf)) {
    const options = (schema.anyOf as TSchema[]).map(describeSchema)
    if (options.some((option) => option === undefined)) return undefined
    return [...new Set(options)].join(' or ')
  }
  switch (schema.type) {
    case 'string':
      return schema.minLength ? 'a non-empty string' : 'a string'
    case 'integer':
      return `an integer${range(schema)}`
    case 'number':
      return `a number${range(schema)}`
    case 'boolean':
      return 'a boolean'
    case 'null':
      return 'null'
    case 'array':
      return `a list${itemCount(schema.minItems, schema.maxItems)}`
    case 'object':
      return 'an object'
    default:
      return undefined
  }
}

function range(schema: TSchema): string {
  const minimum = schema.minimum as number | undefined
  const maximum = schema.maximum as number | undefined
  if (minimum !== undefined && maximum !== undefined) return ` from ${minimum} to ${maximum}`
  if (minimum !== undefined) return ` of at least ${minimum}`
  if (maximum !== undefined) return ` of at most ${maximum}`
  return ''
}

function itemCount(minimum: unknown, maximum: unknown): string {
  const least = typeof minimum === 'number' && minimum > 0 ? minimum : undefined
  const most = typeof maximum === 'number' ? maximum : undefined
  if (least !== undefined && most !== undefined) return ` of ${least} to ${most} items`
  if (least !== undefined) return ` of at least ${least} items`
  if (most !== undefined) return ` of at most ${most} items`
  return ''
}
