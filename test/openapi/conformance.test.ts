/**
 * openapi/openapi.yaml and the routes must not drift: every route the app registers is in the document (but the
 * docs routes that serve it), every documented operation is routed, and what a route declares (operationId, tags,
 * its TypeBox body and query schemas, its path parameters, its dialect's error envelope) is what the document says;
 * and every schema in it compiles as strict JSON Schema 2020-12, which catches misspelt keywords.
 * That real responses validate against the document is responses.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { dialectForPath } from '../../src/server/app.ts'
import { createTestGateway, type TestGateway } from '../support/gateway.ts'
import {
  createSchemaValidator,
  httpMethods,
  loadOpenApiDocument,
  pointerOf,
  resolve,
  type OpenApiDocument,
  type OpenApiOperation,
  type OpenApiParameter,
  type OpenApiResponse,
  type OpenApiSchema,
} from './document.ts'

/** Routes that serve the document itself, not the API it describes. */
const docsRoutes = new Set(['GET /openapi.json', 'GET /openapi.yaml', 'GET /postman.json', 'GET /swagger'])
/** Swagger UI's assets live under this prefix, one route or many. */
const docsAssetPrefix = '/swagger/'
/**
 * The self-serve pages (HTML forms for browsers) and the Stripe webhook that shares their prefix are not part of the
 * API the document describes; the README documents them.
 */
const webPrefix = '/app'
/** Elysia wildcard routes and the path parameter the document names for the rest of the path. */
const wildcardParameters: Record<string, string> = { '/v1/models/*': 'id' }

type Route = { method: string; path: string; hooks: { detail?: { operationId?: string; tags?: string[] }; body?: OpenApiSchema; query?: OpenApiSchema } }

let document: OpenApiDocument
let gateway: TestGateway
let routes: Route[]

beforeAll(async () => {
  document = await loadOpenApiDocument()
  gateway = await createTestGateway(undefined, { adminToken: 'admin-token-for-the-route-list' })
  routes = (gateway.gateway.app.routes as unknown as Route[]).filter((route) => !isDocsRoute(route) && !isWebRoute(route))
})
afterAll(() => gateway.close())

function isWebRoute(route: Route): boolean {
  return route.path === webPrefix || route.path.startsWith(`${webPrefix}/`)
}

function isDocsRoute(route: Route): boolean {
  return docsRoutes.has(`${route.method} ${route.path}`) || route.path.startsWith(docsAssetPrefix)
}

/** `/admin/keys/:id/revoke` → `/admin/keys/{id}/revoke`; a wildcard becomes its named parameter. */
function documentPath(routePath: string): string {
  const wildcard = wildcardParameters[routePath]
  if (wildcard !== undefined) return routePath.replace(/\*$/, `{${wildcard}}`)
  if (routePath.includes('*')) throw new Error(`${routePath}: name its wildcard in wildcardParameters`)
  return routePath.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
}

function documentedOperations(): Array<{ method: string; path: string; operation: OpenApiOperation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    httpMethods.filter((method) => item[method] !== undefined).map((method) => ({ method: method.toUpperCase(), path, operation: item[method]! })),
  )
}

function operationOf(route: Route): OpenApiOperation | undefined {
  return document.paths[documentPath(route.path)]?.[route.method.toLowerCase()]
}

function parametersOf(operation: OpenApiOperation, path: string, method: string): OpenApiParameter[] {
  return (operation.parameters ?? []).map((parameter, index) => resolve(document, parameter, pointerOf('paths', path, method, 'parameters', String(index))).value)
}

describe('routes ⇄ document', () => {
  test('every route is documented, and every documented operation is routed', () => {
    const routed = routes.map((route) => `${route.method} ${documentPath(route.path)}`).sort()
    const documented = documentedOperations().map(({ method, path }) => `${method} ${path}`).sort()
    expect(routed).toEqual(documented)
  })

  test('operationId and tags are the route’s own', () => {
    for (const route of routes) {
      const operation = operationOf(route)
      expect({ route: `${route.method} ${route.path}`, operationId: operation?.operationId, tags: operation?.tags }).toEqual({
        route: `${route.method} ${route.path}`,
        operationId: route.hooks.detail?.operationId,
        tags: route.hooks.detail?.tags,
      })
    }
  })

  test('path parameters are the route’s', () => {
    for (const route of routes) {
      const path = documentPath(route.path)
      const named = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '')
      const declared = parametersOf(operationOf(route)!, path, route.method.toLowerCase()).filter((parameter) => parameter.in === 'path')
      expect(declared.map((parameter) => parameter.name).sort()).toEqual(named.sort())
      expect(declared.every((parameter) => parameter.required === true)).toBe(true)
    }
  })

  test('a body schema on the route is the documented request body: same fields, same required ones, open when it is open', () => {
    for (const route of routes.filter((candidate) => candidate.hooks.body !== undefined)) {
      const path = documentPath(route.path)
      const method = route.method.toLowerCase()
      const operation = operationOf(route)!
      const pointer = pointerOf('paths', path, method, 'requestBody', 'content', 'application/json', 'schema')
      const schema = operation.requestBody?.content['application/json']?.schema
      expect(schema, `${route.method} ${path} documents a JSON body`).toBeDefined()
      const documented = resolve(document, schema!, pointer).value
      const routeBody = route.hooks.body!
      expect(operation.requestBody?.required).toBe(true)
      expect(Object.keys(documented.properties ?? {})).toEqual(expect.arrayContaining(Object.keys(routeBody.properties ?? {})))
      expect([...(documented.required ?? [])].sort()).toEqual([...(routeBody.required ?? [])].sort())
      if (routeBody.additionalProperties !== false) expect(documented.additionalProperties).not.toBe(false)
    }
  })

  test('a query schema on the route is documented as query parameters', () => {
    for (const route of routes.filter((candidate) => candidate.hooks.query !== undefined)) {
      const path = documentPath(route.path)
      const query = parametersOf(operationOf(route)!, path, route.method.toLowerCase()).filter((parameter) => parameter.in === 'query')
      expect(query.map((parameter) => parameter.name).sort()).toEqual(Object.keys(route.hooks.query!.properties ?? {}).sort())
    }
  })
})

describe('the document describes the gateway’s conventions', () => {
  test('OpenAPI 3.1, titled Anvat, at the package version, served from the origin', async () => {
    const packageJson = (await Bun.file(new URL('../../package.json', import.meta.url)).json()) as { version: string }
    expect(document.openapi).toBe('3.1.0')
    expect(document.info).toMatchObject({ title: 'Anvat', version: packageJson.version })
    expect(document.servers).toEqual([{ url: '/' }])
    expect(document.security).toEqual([{ bearerAuth: [] }, { apiKeyAuth: [] }])
    expect(Object.keys(document.components.securitySchemes ?? {}).sort()).toEqual(['adminToken', 'apiKeyAuth', 'bearerAuth', 'metricsToken'])
  })

  test('every schema compiles as strict JSON Schema 2020-12: no unknown keyword, no required field left undefined', () => {
    const validatorAt = createSchemaValidator(document)
    for (const name of Object.keys(document.components.schemas ?? {})) expect(() => validatorAt(pointerOf('components', 'schemas', name))).not.toThrow()
  })

  test('operationIds are camelCase; health needs no key, admin its own token, metrics none or its own', () => {
    for (const { path, operation } of documentedOperations()) {
      expect(operation.operationId).toMatch(/^[a-z][A-Za-z0-9]+$/)
      expect(operation.summary.length).toBeGreaterThan(0)
      if (path === '/healthz' || path === '/readyz') expect(operation.security).toEqual([])
      if (path.startsWith('/admin/')) expect(operation.security).toEqual([{ adminToken: [] }])
      if (path === '/metrics') expect(operation.security).toEqual([{}, { metricsToken: [] }])
    }
  })

  test('every error is in its path’s dialect envelope, with that dialect’s request id header; the catalog’s in either', () => {
    const anthropicEnvelope = '#/components/schemas/AnthropicErrorResponse'
    const openaiEnvelope = '#/components/schemas/OpenAIErrorResponse'
    for (const { method, path, operation } of documentedOperations()) {
      const dialect = dialectForPath(path)
      // Both dialects' clients call the catalog; each gets errors in its own envelope (see dialectForRequest).
      const shared = path.startsWith('/v1/models')
      const schema = shared ? { anyOf: [{ $ref: openaiEnvelope }, { $ref: anthropicEnvelope }] } : { $ref: dialect.name === 'anthropic' ? anthropicEnvelope : openaiEnvelope }
      for (const [status, reference] of Object.entries(operation.responses)) {
        if (!(status === 'default' || Number(status) >= 400) || path === '/readyz') continue
        const response = resolve<OpenApiResponse>(document, reference, pointerOf('paths', path, method.toLowerCase(), 'responses', status)).value
        const at = `${method} ${path} ${status}`
        expect({ at, schema: response.content?.['application/json']?.schema }).toEqual({ at, schema })
        expect(Object.keys(response.headers ?? {})).toEqual(expect.arrayContaining(shared ? ['x-request-id', 'request-id'] : [dialect.requestIdHeader]))
      }
    }
  })

  test('model calls answer JSON or an event stream, with the request id and limit headers; count_tokens says how it counted', () => {
    const limitHeaders = ['x-anvat-rpm-remaining', 'x-anvat-concurrent-remaining', 'x-anvat-window-spend-remaining-usd']
    for (const path of ['/v1/messages', '/v1/chat/completions', '/v1/responses']) {
      const success = resolve<OpenApiResponse>(document, document.paths[path]!.post!.responses['200']!, '').value
      expect(Object.keys(success.content ?? {}).sort()).toEqual(['application/json', 'text/event-stream'])
      const conditional = ['x-anvat-cost-usd', 'x-anvat-max-tokens-lowered', 'x-anvat-warnings', 'x-anvat-served-model']
      expect(Object.keys(success.headers ?? {})).toEqual(expect.arrayContaining([dialectForPath(path).requestIdHeader, ...limitHeaders, ...conditional]))
      for (const status of ['400', '401', '402', '404', '413', '429', '500', '502', '504']) expect(Object.keys(document.paths[path]!.post!.responses)).toContain(status)
    }
    expect(Object.keys(document.paths['/v1/messages']!.post!.responses)).toContain('529')
    const counted = resolve<OpenApiResponse>(document, document.paths['/v1/messages/count_tokens']!.post!.responses['200']!, '').value
    expect(Object.keys(counted.headers ?? {})).toEqual(expect.arrayContaining(['request-id', 'x-anvat-token-count', ...limitHeaders]))
  })
})
