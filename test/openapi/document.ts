/**
 * openapi/openapi.yaml for the OpenAPI tests: read from disk and parsed, never imported, because the docs routes
 * import the same file as text and Bun would hand a second import of one file the first import's result. Also
 * resolves `$ref`s and validates values against the document's schemas as JSON Schema 2020-12 (what OpenAPI 3.1
 * schemas are).
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020'
import addFormats from 'ajv-formats'

export type OpenApiReference = { $ref: string }
export type OpenApiSchema = { type?: string | string[]; required?: string[]; properties?: Record<string, unknown>; additionalProperties?: unknown; $ref?: string }
export type OpenApiHeader = { required?: boolean; schema: OpenApiSchema }
export type OpenApiResponse = {
  description: string
  headers?: Record<string, OpenApiHeader | OpenApiReference>
  content?: Record<string, { schema?: OpenApiSchema }>
}
export type OpenApiParameter = { name: string; in: 'query' | 'header' | 'path' | 'cookie'; required?: boolean; schema?: OpenApiSchema }
export type OpenApiOperation = {
  operationId: string
  tags: string[]
  summary: string
  security?: Array<Record<string, string[]>>
  parameters?: Array<OpenApiParameter | OpenApiReference>
  requestBody?: { required?: boolean; content: Record<string, { schema?: OpenApiSchema }> }
  responses: Record<string, OpenApiResponse | OpenApiReference>
}
export type OpenApiDocument = {
  openapi: string
  info: { title: string; version: string }
  servers: Array<{ url: string }>
  security: Array<Record<string, string[]>>
  paths: Record<string, Record<string, OpenApiOperation>>
  components: Record<string, Record<string, unknown>>
}

/** The HTTP methods a path item may hold (its other keys are parameters, summary…). */
export const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

const documentUrl = new URL('../../openapi/openapi.yaml', import.meta.url)
/** The base URI the document's schemas are registered under, so `#/components/…` refs resolve inside it. */
const schemaBaseUri = 'https://anvat.test/openapi.yaml'

/** Parses the committed document. */
export async function loadOpenApiDocument(): Promise<OpenApiDocument> {
  return Bun.YAML.parse(await Bun.file(documentUrl).text()) as OpenApiDocument
}

/** A JSON pointer (`/paths/~1v1~1messages/post`) from its unescaped segments. */
export function pointerOf(...segments: string[]): string {
  return segments.map((segment) => `/${segment.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')
}

/** Follows a local `$ref` (one hop is all the document uses) and says where the value lives. */
export function resolve<T>(document: OpenApiDocument, value: T | OpenApiReference, pointer: string): { value: T; pointer: string } {
  if (typeof value !== 'object' || value === null || !('$ref' in value)) return { value: value as T, pointer }
  const target = value.$ref
  if (!target.startsWith('#/')) throw new Error(`only local $refs are expected, got ${target}`)
  let resolved: unknown = document
  for (const segment of target.slice(2).split('/')) {
    const key = segment.replaceAll('~1', '/').replaceAll('~0', '~')
    resolved = (resolved as Record<string, unknown> | undefined)?.[key]
    if (resolved === undefined) throw new Error(`dangling $ref ${target}`)
  }
  return { value: resolved as T, pointer: target.slice(1) }
}

/** Compiles (once each) a validator for the schema at a pointer into the document. */
export function createSchemaValidator(document: OpenApiDocument): (pointer: string) => ValidateFunction {
  const ajv = new Ajv2020({ strict: true, allErrors: true })
  addFormats(ajv)
  // OpenAPI's own keywords inside schemas are annotations for code generators, not constraints.
  ajv.addVocabulary(['discriminator', 'example', 'xml', 'externalDocs'])
  // Only the parts of the document that hold schemas, under their own pointers, so local $refs resolve as written.
  ajv.addSchema({ $id: schemaBaseUri, paths: document.paths, components: document.components }, undefined, undefined, false)
  ajv.addVocabulary(['paths', 'components'])
  const compiled = new Map<string, ValidateFunction>()
  return (pointer) => {
    let validate = compiled.get(pointer)
    if (validate === undefined) {
      const fragment = pointer.split('/').map((segment) => encodeURIComponent(segment)).join('/')
      validate = ajv.compile({ $ref: `${schemaBaseUri}#${fragment}` })
      compiled.set(pointer, validate)
    }
    return validate
  }
}

/** A validator's errors as one readable line each. */
export function describeErrors(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`)
}
