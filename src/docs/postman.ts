import {
  isRecord,
  openApiMethods,
  resolveReference,
  type OpenApiDocument,
  type OpenApiMediaType,
  type OpenApiOperation,
  type OpenApiParameter,
  type OpenApiPathItem,
  type OpenApiSchemaExamples,
} from './openapi.ts'

/** @see https://schema.getpostman.com/json/collection/v2.1.0/collection.json */
export const postmanSchemaUrl = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'

export type PostmanVariable = { key: string; value: string; type: 'string'; description?: string }
export type PostmanKeyValue = { key: string; value: string; description?: string; disabled?: boolean }
export type PostmanAuth = { type: 'bearer'; bearer: Array<{ key: 'token'; value: string; type: 'string' }> } | { type: 'noauth' }

export type PostmanRequest = {
  method: string
  header: PostmanKeyValue[]
  url: { raw: string; host: string[]; path: string[]; query?: PostmanKeyValue[]; variable?: PostmanKeyValue[] }
  body?: { mode: 'raw'; raw: string; options: { raw: { language: 'json' } } }
  auth?: PostmanAuth
  description?: string
}

export type PostmanItem = { name: string; request: PostmanRequest }
export type PostmanFolder = { name: string; description?: string; item: PostmanItem[]; auth?: PostmanAuth }

/** A Postman Collection v2.1 as generated here: one folder per tag, one request per operation. */
export type PostmanCollection = {
  info: { name: string; description?: string; version: string; schema: typeof postmanSchemaUrl }
  item: PostmanFolder[]
  auth: PostmanAuth
  variable: PostmanVariable[]
}

export type PostmanOptions = {
  /** The default of `{{base_url}}`. */
  baseUrl: string
  /** The default of `{{model}}`, which replaces every example's `model` so a run works on any gateway. */
  model: string
}

/** The folder of operations under `/admin`, which authenticate with `{{admin_token}}` instead of `{{api_key}}`. */
const adminFolderName = 'Admin'
/** The folder of operations that have no tag. */
const untaggedFolderName = 'Other'

/**
 * Builds a Postman Collection v2.1 from the OpenAPI document. Requests use `{{base_url}}` and authenticate with a
 * collection-level bearer `{{api_key}}` (the gateway accepts it on every route); `/admin` requests sit in their own
 * folder with `{{admin_token}}`, and operations declared public (`security: []`) send none. Bodies are the
 * operation's first JSON example with `model` set to `{{model}}`, and so is a model id in the path (`/models/{id}`).
 */
export function toPostmanCollection(document: OpenApiDocument, options: PostmanOptions): PostmanCollection {
  const folders = new Map<string, PostmanFolder>()
  for (const tag of document.tags ?? []) folders.set(tag.name, folder(tag.name, tag.description))
  for (const [path, pathItem] of Object.entries(document.paths)) {
    for (const method of openApiMethods) {
      const operation = pathItem[method]
      if (operation === undefined) continue
      const folderName = path === '/admin' || path.startsWith('/admin/') ? adminFolderName : (operation.tags?.[0] ?? untaggedFolderName)
      const target = folders.get(folderName) ?? folder(folderName, undefined)
      folders.set(folderName, target)
      target.item.push({ name: operation.summary ?? operation.operationId ?? `${method.toUpperCase()} ${path}`, request: toPostmanRequest(document, path, pathItem, method, operation) })
    }
  }
  const admin = folders.get(adminFolderName)
  if (admin !== undefined) admin.auth = bearer('{{admin_token}}')
  return {
    info: { name: document.info.title, ...optional('description', document.info.description), version: document.info.version, schema: postmanSchemaUrl },
    item: [...folders.values()].filter((entry) => entry.item.length > 0),
    auth: bearer('{{api_key}}'),
    variable: [
      { key: 'base_url', value: options.baseUrl, type: 'string', description: 'The gateway, without a trailing slash.' },
      { key: 'api_key', value: '', type: 'string', description: 'An Anvat key (anv_…), sent as a bearer token.' },
      { key: 'admin_token', value: '', type: 'string', description: 'ANVAT_ADMIN_TOKEN, for the Admin folder.' },
      { key: 'model', value: options.model, type: 'string', description: 'The model every example asks for.' },
    ],
  }
}

function toPostmanRequest(document: OpenApiDocument, path: string, pathItem: OpenApiPathItem, method: string, operation: OpenApiOperation): PostmanRequest {
  const parameters = [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])]
    .map((parameter) => resolveReference(document, parameter))
    .filter((parameter): parameter is OpenApiParameter => parameter !== undefined)
  const segments = path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => segment.replace(/\{([^}]+)\}/g, ':$1'))
  const query = parameters.filter((parameter) => parameter.in === 'query').map((parameter) => keyValue(document, parameter, !parameter.required))
  const variable = parameters
    .filter((parameter) => parameter.in === 'path')
    .map((parameter) => (path.includes(`/models/{${parameter.name}}`) ? { key: parameter.name, value: '{{model}}' } : keyValue(document, parameter, false)))
  const header = parameters.filter((parameter) => parameter.in === 'header' && parameter.name.toLowerCase() !== 'authorization').map((parameter) => keyValue(document, parameter, !parameter.required))
  const example = requestExample(document, operation)
  if (example !== undefined) header.unshift({ key: 'Content-Type', value: 'application/json' })
  const queryText = query.filter((entry) => !entry.disabled).map((entry) => `${entry.key}=${entry.value}`).join('&')
  return {
    method: method.toUpperCase(),
    header,
    url: {
      raw: `{{base_url}}/${segments.join('/')}${queryText === '' ? '' : `?${queryText}`}`,
      host: ['{{base_url}}'],
      path: segments,
      ...(query.length > 0 ? { query } : {}),
      ...(variable.length > 0 ? { variable } : {}),
    },
    ...(example === undefined ? {} : { body: { mode: 'raw' as const, raw: JSON.stringify(example, null, 2), options: { raw: { language: 'json' as const } } } }),
    ...(operation.security !== undefined && operation.security.length === 0 ? { auth: { type: 'noauth' as const } } : {}),
    ...optional('description', operation.description ?? operation.summary),
  }
}

/** The operation's JSON request example, with `model` pointed at `{{model}}`; undefined when it has none. */
function requestExample(document: OpenApiDocument, operation: OpenApiOperation): unknown {
  const body = operation.requestBody === undefined ? undefined : resolveReference(document, operation.requestBody)
  const media: OpenApiMediaType | undefined = body?.content?.['application/json']
  if (media === undefined) return undefined
  const firstNamed = Object.values(media.examples ?? {})[0]
  const example = media.example ?? (firstNamed === undefined ? undefined : resolveReference(document, firstNamed)?.value) ?? schemaExample(media.schema)
  if (isRecord(example) && typeof example.model === 'string') return { ...example, model: '{{model}}' }
  return example
}

/** A parameter as a Postman key/value: its example as the value, `{{model}}` or `{{api_key}}` where the name says so. */
function keyValue(document: OpenApiDocument, parameter: OpenApiParameter, disabled: boolean): PostmanKeyValue {
  const firstNamed = Object.values(parameter.examples ?? {})[0]
  const example = parameter.example ?? (firstNamed === undefined ? undefined : resolveReference(document, firstNamed)?.value) ?? schemaExample(parameter.schema)
  const value = /^model(_?id)?$/i.test(parameter.name)
    ? '{{model}}'
    : parameter.name.toLowerCase() === 'x-api-key'
      ? '{{api_key}}'
      : example === undefined
        ? ''
        : String(example)
  return { key: parameter.name, value, ...optional('description', parameter.description), ...(disabled ? { disabled } : {}) }
}

function schemaExample(schema: OpenApiSchemaExamples | undefined): unknown {
  return schema?.example ?? schema?.examples?.[0] ?? schema?.default
}

function folder(name: string, description: string | undefined): PostmanFolder {
  return { name, ...optional('description', description), item: [] }
}

function bearer(token: string): PostmanAuth {
  return { type: 'bearer', bearer: [{ key: 'token', value: token, type: 'string' }] }
}

/** `{ [key]: value }` when the value is there, `{}` otherwise: the schema rejects explicit nulls. */
function optional<Key extends string>(key: Key, value: string | undefined): Partial<Record<Key, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<Key, string>)
}
