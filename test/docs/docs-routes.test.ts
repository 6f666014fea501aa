/**
 * The API description routes, driven through `app.handle` with no key: the embedded spec as JSON and YAML with this
 * origin as its server, the Postman download, and Swagger UI's page, script and files under a same-origin CSP.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { embeddedOpenApiText, parseOpenApi, type OpenApiDocument } from '../../src/docs/openapi.ts'
import { swaggerAssets } from '../../src/docs/swagger-ui.ts'
import { docsRoutes } from '../../src/routes/docs.ts'
import { createTestGateway, type TestGateway } from '../support/gateway.ts'

let gateway: TestGateway
beforeAll(async () => {
  gateway = await createTestGateway(undefined)
})
afterAll(() => gateway.close())

/** A GET with no credentials: every docs route is public. */
function get(path: string, headers: Record<string, string> = {}, origin = 'http://anvat.test'): Promise<Response> {
  return gateway.gateway.app.handle(new Request(`${origin}${path}`, { headers }))
}

describe('the embedded OpenAPI document', () => {
  test('parses as OpenAPI 3.x with paths', () => {
    const document = parseOpenApi(embeddedOpenApiText)
    expect(document.openapi).toMatch(/^3\./)
    expect(Object.keys(document.paths)).toContain('/v1/chat/completions')
  })

  test('a document that is not OpenAPI 3 is refused', () => {
    expect(() => parseOpenApi('swagger: "2.0"\ninfo: {title: x, version: "1"}\npaths: {}\n')).toThrow('openapi: 3.x')
    expect(() => parseOpenApi('openapi: 3.1.0\ninfo: {title: x, version: "1"}\n')).toThrow('paths')
  })
})

describe('GET /openapi.json and /openapi.yaml', () => {
  test('JSON, as a download, with the request origin as the only server', async () => {
    const response = await get('/openapi.json', {}, 'http://gateway.example:8123')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="anvat-openapi.json"')
    const document = (await response.json()) as OpenApiDocument
    expect(document.servers).toEqual([{ url: 'http://gateway.example:8123', description: 'This gateway' }])
    const { servers: _served, ...rest } = document
    const { servers: _embedded, ...embedded } = parseOpenApi(embeddedOpenApiText)
    expect(rest).toEqual(embedded)
  })

  test('YAML carries the same document', async () => {
    const [json, yaml] = await Promise.all([get('/openapi.json'), get('/openapi.yaml')])
    expect(yaml.status).toBe(200)
    expect(yaml.headers.get('content-type')).toBe('application/yaml; charset=utf-8')
    expect(yaml.headers.get('content-disposition')).toBe('attachment; filename="anvat-openapi.yaml"')
    expect(Bun.YAML.parse(await yaml.text())).toEqual(await json.json())
  })

  test('a docs instance built on another text serves that text', async () => {
    const app = docsRoutes('openapi: 3.0.3\ninfo: {title: Other, version: "2"}\npaths: {}\n')
    const response = await app.handle(new Request('https://docs.test/openapi.json'))
    expect(await response.json()).toEqual({ openapi: '3.0.3', info: { title: 'Other', version: '2' }, paths: {}, servers: [{ url: 'https://docs.test', description: 'This gateway' }] })
  })
})

describe('GET /postman.json', () => {
  test('a Postman v2.1 download whose base_url is the request origin', async () => {
    const response = await get('/postman.json', {}, 'http://127.0.0.1:9999')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="anvat.postman_collection.json"')
    const collection = (await response.json()) as { info: { schema: string }; variable: Array<{ key: string; value: string }> }
    expect(collection.info.schema).toBe('https://schema.getpostman.com/json/collection/v2.1.0/collection.json')
    expect(collection.variable.find((variable) => variable.key === 'base_url')?.value).toBe('http://127.0.0.1:9999')
  })
})

describe('GET /swagger', () => {
  test('our page, inline, under a CSP that allows only this origin', async () => {
    for (const path of ['/swagger', '/swagger/']) {
      const response = await get(path)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(response.headers.get('content-disposition')).toBe('inline')
      expect(response.headers.get('cache-control')).toBe('no-cache')
      const policy = response.headers.get('content-security-policy') ?? ''
      expect(policy).toContain("default-src 'none'")
      expect(policy).toContain("script-src 'self'")
      expect(policy).not.toContain('unsafe-inline')
      expect(policy).not.toContain('http')
      const html = await response.text()
      expect(html).toContain('<script src="/swagger/swagger-ui-bundle.js"></script>')
      expect(html).not.toMatch(/https?:\/\//)
      // No inline script or style: the CSP would block it.
      expect(html).not.toMatch(/<script>|<style|style=/)
    }
  })

  test('init.js points Swagger UI at the embedded spec with the validator off', async () => {
    const response = await get('/swagger/init.js')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    const script = await response.text()
    expect(script).toContain("url: '/openapi.json'")
    expect(script).toContain('validatorUrl: null')
  })

  test('each embedded file, with its type, an ETag and a day of caching', async () => {
    for (const [name, asset] of Object.entries(swaggerAssets)) {
      const response = await get(`/swagger/${name}`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe(asset.contentType)
      expect(response.headers.get('cache-control')).toBe('public, max-age=86400')
      expect((await response.bytes()).byteLength).toBeGreaterThan(100)
      const etag = response.headers.get('etag') ?? ''
      expect(etag).toMatch(/^"\d+\.\d+\.\d+-/)
      const revalidated = await get(`/swagger/${name}`, { 'if-none-match': etag })
      expect(revalidated.status).toBe(304)
    }
  })

  test('the bundle is gzipped for callers that accept it, and decompresses to the same bytes', async () => {
    const plain = await (await get('/swagger/swagger-ui-bundle.js')).bytes()
    const response = await get('/swagger/swagger-ui-bundle.js', { 'accept-encoding': 'gzip, deflate, br' })
    expect(response.headers.get('content-encoding')).toBe('gzip')
    const compressed = await response.bytes()
    expect(compressed.byteLength).toBeLessThan(plain.byteLength / 2)
    expect(new Uint8Array(Bun.gunzipSync(new Uint8Array(compressed)))).toEqual(new Uint8Array(plain))
  })

  test('an unknown file is a 404, prototype names included', async () => {
    for (const name of ['nope.js', 'index.html', 'constructor', '__proto__', 'swagger-initializer.js']) {
      const response = await get(`/swagger/${name}`)
      expect(response.status).toBe(404)
      expect(await response.json()).toMatchObject({ error: { code: 'unknown_url' } })
    }
  })
})

describe('access', () => {
  test('a bad key does not matter: the docs are public', async () => {
    for (const path of ['/openapi.json', '/openapi.yaml', '/postman.json', '/swagger', '/swagger/init.js']) {
      expect((await get(path, { 'x-api-key': 'anv_wrong' })).status).toBe(200)
    }
  })
})
