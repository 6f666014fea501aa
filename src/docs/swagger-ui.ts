import bundlePath from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' }
import stylesheetPath from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' }
import faviconPath from 'swagger-ui-dist/favicon-32x32.png' with { type: 'file' }
import { version as swaggerUiVersion } from 'swagger-ui-dist/package.json'

/**
 * Swagger UI, served from files `bun build --compile` embeds: the page works with no network beyond the gateway.
 * Only the bundle, its stylesheet and an icon are carried. The standalone preset (a top bar for typing other spec
 * URLs, 268 KB) is left out: this page shows one document.
 */

/** A file under `/swagger/`: where its embedded copy is, and how to label it. */
export type SwaggerAsset = { filePath: string; contentType: string }

/** Every file `/swagger/<name>` serves; any other name is a 404. */
export const swaggerAssets: Readonly<Record<string, SwaggerAsset>> = {
  'swagger-ui-bundle.js': { filePath: bundlePath, contentType: 'text/javascript; charset=utf-8' },
  'swagger-ui.css': { filePath: stylesheetPath, contentType: 'text/css; charset=utf-8' },
  'favicon-32x32.png': { filePath: faviconPath, contentType: 'image/png' },
}

/** Changes with the embedded Swagger UI, so a cached asset is revalidated after an upgrade. */
export const swaggerAssetVersion = swaggerUiVersion

/**
 * Starts Swagger UI on the embedded document. A file of its own rather than an inline script, so the page's CSP
 * needs no hash or `unsafe-inline`. `validatorUrl: null` keeps it from sending the spec to swagger.io.
 */
export const swaggerInitScript = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  validatorUrl: null,
  deepLinking: true,
  displayOperationId: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
})
`

/** The page at `/swagger`: our own markup, every URL on this origin. */
export const swaggerPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Anvat API</title>
    <link rel="stylesheet" href="/swagger/swagger-ui.css">
    <link rel="icon" type="image/png" href="/swagger/favicon-32x32.png">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/swagger/swagger-ui-bundle.js"></script>
    <script src="/swagger/init.js"></script>
  </body>
</html>
`

/**
 * Nothing but this origin. Images may also be `data:` URLs, which swagger-ui.css uses for its icons; they fetch
 * nothing. "Try it out" calls `/openapi.json`'s server, which is this origin too.
 */
export const swaggerContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')
