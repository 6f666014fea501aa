import { Elysia } from 'elysia'
import { accountRoutes } from './account-routes.ts'
import { copyScript } from './assets/copy-script.ts'
import { faviconSvg } from './assets/favicon.ts'
import stylesheet from './assets/style.css' with { type: 'text' }
import type { WebDependencies } from './dependencies.ts'
import { billingRoutes } from './billing-routes.ts'
import { keysRoutes } from './keys-routes.ts'
import { mailRoutes } from './mail-routes.ts'

/** Every self-serve page under /app, and the three files they load; nothing is fetched from anywhere else. */
export function webRoutes(dependencies: WebDependencies) {
  const assetHeaders = { 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' }
  return new Elysia({ name: 'web' })
    .get('/app/style.css', () => new Response(stylesheet, { headers: { ...assetHeaders, 'content-type': 'text/css; charset=utf-8' } }))
    .get('/app/favicon.svg', () => new Response(faviconSvg, { headers: { ...assetHeaders, 'content-type': 'image/svg+xml' } }))
    .get('/app/app.js', () => new Response(copyScript, { headers: { ...assetHeaders, 'content-type': 'text/javascript; charset=utf-8' } }))
    .use(accountRoutes(dependencies))
    .use(keysRoutes(dependencies))
    .use(billingRoutes(dependencies))
    .use(mailRoutes(dependencies))
}
