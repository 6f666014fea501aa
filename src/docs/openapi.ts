import specText from '../../openapi/openapi.yaml' with { type: 'text' }
import { fail } from '../core/error.ts'

/**
 * openapi/openapi.yaml as text, carried inside the compiled binary. Imported here only: a second import of the same
 * file with another `type` would silently get this one's result.
 */
export const embeddedOpenApiText: string = specText

/** One operation, as far as the Postman generator reads it; every other field passes through untouched. */
export type OpenApiOperation = {
  operationId?: string
  summary?: string
  description?: string
  tags?: string[]
  parameters?: Array<OpenApiParameter | OpenApiReference>
  requestBody?: OpenApiRequestBody | OpenApiReference
  /** `[]` makes an operation public; absent, the document's `security` applies. */
  security?: Array<Record<string, string[]>>
}

export type OpenApiParameter = {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  description?: string
  example?: unknown
  examples?: Record<string, OpenApiExample | OpenApiReference>
  schema?: OpenApiSchemaExamples
}

export type OpenApiRequestBody = { content?: Record<string, OpenApiMediaType> }
export type OpenApiMediaType = { example?: unknown; examples?: Record<string, OpenApiExample | OpenApiReference>; schema?: OpenApiSchemaExamples }
export type OpenApiExample = { value?: unknown }
/** The parts of a schema that carry an example (`example` in 3.0, `examples` in 3.1) or a default. */
export type OpenApiSchemaExamples = { example?: unknown; examples?: unknown[]; default?: unknown }
export type OpenApiReference = { $ref: string }

/** The HTTP methods an OpenAPI path item may hold, in the order the generator lists them. */
export const openApiMethods = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'] as const
export type OpenApiMethod = (typeof openApiMethods)[number]

export type OpenApiPathItem = Partial<Record<OpenApiMethod, OpenApiOperation>> & {
  parameters?: Array<OpenApiParameter | OpenApiReference>
}

/** An OpenAPI 3.x document: the fields the docs routes read, typed; the rest kept as parsed. */
export type OpenApiDocument = {
  openapi: string
  info: { title: string; version: string; description?: string }
  servers?: Array<{ url: string; description?: string }>
  tags?: Array<{ name: string; description?: string }>
  paths: Record<string, OpenApiPathItem>
  security?: Array<Record<string, string[]>>
  [field: string]: unknown
}

/** How many `$ref` hops a lookup follows before calling the document circular. */
const referenceHopsMax = 16

/**
 * Parses the embedded YAML and checks the envelope the routes depend on. A broken document is a build defect, so it
 * fails as `gateway_internal` (a 500 on the docs routes only); `test/docs` catches it before it ships.
 */
export function parseOpenApi(text: string): OpenApiDocument {
  const parsed: unknown = Bun.YAML.parse(text)
  if (!isRecord(parsed) || typeof parsed.openapi !== 'string' || !parsed.openapi.startsWith('3.')) {
    return fail('gateway_internal', 'The embedded OpenAPI document has no `openapi: 3.x` field.')
  }
  const info = parsed.info
  if (!isRecord(info) || typeof info.title !== 'string' || typeof info.version !== 'string') {
    return fail('gateway_internal', 'The embedded OpenAPI document has no `info.title` and `info.version`.')
  }
  if (!isRecord(parsed.paths)) return fail('gateway_internal', 'The embedded OpenAPI document has no `paths`.')
  return parsed as OpenApiDocument
}

/**
 * The document as served: `servers` is the origin the caller reached, so "Try it out" and generated clients call this
 * gateway. Forwarded headers are not read: nothing else in the gateway trusts them either.
 */
export function withServerOrigin(document: OpenApiDocument, origin: string): OpenApiDocument {
  return { ...document, servers: [{ url: origin, description: 'This gateway' }] }
}

/** Follows a local `$ref` (`#/components/…`) to what it names; anything else comes back as it is. */
export function resolveReference<Value>(document: OpenApiDocument, value: Value | OpenApiReference): Value | undefined {
  let current: unknown = value
  for (let hop = 0; hop < referenceHopsMax; hop += 1) {
    if (!isRecord(current) || typeof current.$ref !== 'string') return current as Value
    current = pointerTarget(document, current.$ref)
  }
  return undefined
}

/** The value at a local JSON pointer (RFC 6901), or undefined for a remote or dangling one. */
function pointerTarget(document: OpenApiDocument, reference: string): unknown {
  if (!reference.startsWith('#/')) return undefined
  let current: unknown = document
  for (const token of reference.slice(2).split('/')) {
    if (!isRecord(current)) return undefined
    current = current[token.replaceAll('~1', '/').replaceAll('~0', '~')]
  }
  return current
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
