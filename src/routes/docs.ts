import { Elysia } from 'elysia'
import { mockModelId } from '../config/defaults.ts'
import { fail } from '../core/error.ts'
import { embeddedOpenApiText, parseOpenApi, withServerOrigin, type OpenApiDocument } from '../docs/openapi.ts'
import { toPostmanCollection } from '../docs/postman.ts'
import {
  swaggerAssets,
  swaggerAssetVersion,
  swaggerContentSecurityPolicy,
  swaggerInitScript,
  swaggerPage,
  type SwaggerAsset,
} from '../docs/swagger-ui.ts'

/** How long a browser may reuse a Swagger UI file before asking again (it then gets a 304 until an upgrade). */
const assetMaxAgeSeconds = 86_400

/**
 * The API description, public and offline: the embedded OpenAPI document as JSON and YAML, a Postman collection built
 * from it, and Swagger UI on top of it. Every byte comes from inside the binary. The document is parsed on first use
 * (once per app), so gateways that never serve it pay nothing.
 */
export function docsRoutes(specText: string = embeddedOpenApiText) {
  let parsed: OpenApiDocument | undefined
  const document = () => (parsed ??= parseOpenApi(specText))
  const gzipped = new Map<string, Uint8Array>()
  const detail = (operationId: string, summary: string) => ({ detail: { operationId, tags: ['Docs'], summary } })
  const page = () => new Response(swaggerPage, { headers: pageHeaders('text/html; charset=utf-8') })
  return new Elysia({ name: 'docs', normalize: false })
    .get(
      '/openapi.json',
      ({ request }) => download(JSON.stringify(withServerOrigin(document(), originOf(request)), null, 2), 'application/json; charset=utf-8', 'anvat-openapi.json'),
      detail('getOpenApiJson', 'OpenAPI document (JSON)'),
    )
    .get(
      '/openapi.yaml',
      ({ request }) => download(Bun.YAML.stringify(withServerOrigin(document(), originOf(request)), null, 2), 'application/yaml; charset=utf-8', 'anvat-openapi.yaml'),
      detail('getOpenApiYaml', 'OpenAPI document (YAML)'),
    )
    .get(
      '/postman.json',
      ({ request }) => {
        const collection = toPostmanCollection(document(), { baseUrl: originOf(request), model: mockModelId })
        return download(JSON.stringify(collection, null, 2), 'application/json; charset=utf-8', 'anvat.postman_collection.json')
      },
      detail('getPostmanCollection', 'Postman Collection v2.1'),
    )
    .get('/swagger', page, detail('getSwaggerUi', 'Swagger UI'))
    .get('/swagger/', page, detail('getSwaggerUiSlash', 'Swagger UI'))
    .get('/swagger/init.js', () => new Response(swaggerInitScript, { headers: pageHeaders('text/javascript; charset=utf-8') }), detail('getSwaggerInit', 'Swagger UI start-up script'))
    .get(
      '/swagger/:asset',
      async ({ params, request }) => {
        const asset = Object.hasOwn(swaggerAssets, params.asset) ? swaggerAssets[params.asset] : undefined
        if (asset === undefined) return fail('caller_unknown_route', `Unknown request URL: GET /swagger/${params.asset}.`)
        return serveAsset(params.asset, asset, request, gzipped)
      },
      detail('getSwaggerAsset', 'Swagger UI file'),
    )
}

/** The origin the caller reached (scheme, host and port of the request URL), for `servers` and `{{base_url}}`. */
function originOf(request: Request): string {
  return new URL(request.url).origin
}

/** A document to save: a file name for the browser, and revalidated on every use since it names this origin. */
function download(body: string, contentType: string, fileName: string): Response {
  return new Response(body, {
    headers: {
      'content-type': contentType,
      'content-disposition': `attachment; filename="${fileName}"`,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    },
  })
}

/** The page and its start-up script: small, so revalidated each time, and confined to this origin by the CSP. */
function pageHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-disposition': 'inline',
    'content-security-policy': swaggerContentSecurityPolicy,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  }
}

/**
 * One embedded Swagger UI file: cached for a day under an ETag naming the Swagger UI version, and gzipped (once, then
 * kept) for callers that accept it: the bundle is 1.7 MB as it is and about a third of that compressed.
 */
async function serveAsset(name: string, asset: SwaggerAsset, request: Request, gzipped: Map<string, Uint8Array>): Promise<Response> {
  const etag = `"${swaggerAssetVersion}-${name}"`
  const headers: Record<string, string> = {
    'content-type': asset.contentType,
    'cache-control': `public, max-age=${assetMaxAgeSeconds}`,
    etag,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
  }
  if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers })
  const compressible = !asset.contentType.startsWith('image/')
  if (!compressible || !/\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) {
    return new Response(Bun.file(asset.filePath), { headers })
  }
  let body = gzipped.get(name)
  if (body === undefined) {
    body = Bun.gzipSync(await Bun.file(asset.filePath).bytes())
    gzipped.set(name, body)
  }
  return new Response(body, { headers: { ...headers, 'content-encoding': 'gzip' } })
}
