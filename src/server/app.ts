import { Elysia } from 'elysia'
import type { Config } from '../config/schema.ts'
import type { Dialect } from '../core/dialect.ts'
import { fail } from '../core/error.ts'
import { newRequestId } from '../core/ids.ts'
import { dialects } from '../dialects/index.ts'
import type { ApiKeyRecord } from '../ledger/keys.ts'
import type { LedgerConnection } from '../ledger/database.ts'
import type { Ledger } from '../ledger/ledger.ts'
import { createLimiterStore, type LimiterStore } from '../limits/limiter-store.ts'
import { createCatalog } from '../providers/registry.ts'
import { adminRoutes } from '../routes/admin.ts'
import { balanceRoutes } from '../routes/balance.ts'
import { usageRoutes } from '../routes/usage.ts'
import { chatCompletionsRoutes } from '../routes/chat-completions.ts'
import { docsRoutes } from '../routes/docs.ts'
import type { Lifecycle, RouteDependencies } from '../routes/dependencies.ts'
import { healthRoutes } from '../routes/health.ts'
import { metricsRoutes } from '../routes/metrics.ts'
import { createGatewayMetrics, type GatewayMetrics } from './metrics.ts'
import { messagesRoutes } from '../routes/messages.ts'
import { identifiesAsAnthropicClient, modelRoutes } from '../routes/models.ts'
import { responsesRoutes } from '../routes/responses.ts'
import { createConnectProbe } from '../providers/connect-probe.ts'
import { createKeyPools } from '../providers/key-pool.ts'
import { createCountCache } from '../routes/count-cache.ts'
import { createResponseState } from '../routes/response-state.ts'
import { createResponseStore } from '../ledger/response-store.ts'
import { createThinkingVault } from '../translate/thinking-vault.ts'
import { createTokenEstimator, type TokenEstimator } from '../translate/token-estimator.ts'
import { secretMatches, createAuthenticator, presentedKey, type KeyLookup } from './auth.ts'
import { formBytesMax, parseFormBody, parseJsonBody, readBodyText, webhookBytesMax } from './body.ts'
import { errorResponse, toGatewayError } from './error-handler.ts'
import { webErrorPage } from '../web/error-page.ts'
import type { StripeBilling } from '../billing/stripe-checkout.ts'
import { createSmtpMailer, type Mailer } from '../accounts/mailer.ts'
import { webRoutes } from '../web/web-routes.ts'
import { stripeWebhookPath } from '../web/billing-routes.ts'
import { withSelfServeHint } from '../web/self-serve-hint.ts'
import { createBoundedCache, type BoundedCache } from '../core/bounded-cache.ts'
import type { Logger } from './logger.ts'
import { createRequestContexts, pathOf, type RequestContexts } from './request-context.ts'

/** Everything the gateway needs from the outside world, passed in so tests can supply fakes. */
export type AppDependencies = {
  config: Config
  /** Finds a key by the SHA-256 of what a caller presented. */
  lookupKey: KeyLookup
  ledger: Ledger
  /** The ledger's database, for the admin API. */
  ledgerConnection: LedgerConnection
  /** Enables /admin when set; compared in constant time. */
  adminToken: string | undefined
  fetch: typeof fetch
  now: () => number
  logger: Logger
  lifecycle: Lifecycle
  /** The input-token estimator; by default a fresh one whose encoding loads on first use. */
  tokenEstimator?: TokenEstimator
  /** Waits between retry attempts (default: a timer that the caller's going away cuts short). */
  sleep?: (milliseconds: number, signal: AbortSignal) => Promise<void>
  /** Retry jitter (default `Math.random`). */
  random?: () => number
  /** Card payments for prepaid packs, when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set. */
  stripe?: StripeBilling
  /** Mail for address confirmation and password reset (default: SMTP from the config's `mail`, else none). */
  mailer?: Mailer
  /** Prometheus metrics (default: a fresh registry); give one to also observe the ledger's group commits. */
  metrics?: GatewayMetrics
  /** When set, GET /metrics asks for it as a bearer token; otherwise /metrics is open. */
  metricsToken?: string
}

/** The composed gateway: the Elysia app, its per-request contexts (for the serving loop's log line) and key cache. */
export type Gateway = {
  app: ReturnType<typeof buildApp>
  contexts: RequestContexts
  keyCache: BoundedCache<ApiKeyRecord | null>
  limiters: LimiterStore
  /**
   * Where a request came from, for per-address limits: asked only by the pages that limit attempts, never on the
   * proxy path. The serving loop points it at its server; a test without one points it at its own table.
   */
  peerAddress: { lookup: (request: Request) => string | undefined }
  metrics: GatewayMetrics
}

/** The one composition root: builds providers, caches and routes from `dependencies` and wires the edge hooks. */
export function createApp(dependencies: AppDependencies): Gateway {
  const contexts = createRequestContexts()
  const keyCache = createBoundedCache<ApiKeyRecord | null>({
    entriesMax: dependencies.config.limits.keyCacheEntriesMax,
    ttlMs: dependencies.config.limits.keyCacheTtlMs,
    now: dependencies.now,
  })
  const catalog = createCatalog(dependencies.config, dependencies)
  const secrets = catalog.secrets
  const metrics = dependencies.metrics ?? createGatewayMetrics({ knownModel: (model) => catalog.find(model) !== undefined })
  metrics.watchQueueDepth(dependencies.ledger.queueDepth)
  const keyPools = createKeyPools(catalog.providers, {
    now: dependencies.now,
    limits: dependencies.config.limits,
    // The key itself never reaches a log: its provider and its place in the pool say which one it is.
    onCooldown: (event) =>
      dependencies.logger.warn('upstream key cooling down', { provider: event.providerId, key: event.keyIndex, reason: event.reason, until_ms: event.untilMs }),
  })
  const routeDependencies: RouteDependencies = {
    config: dependencies.config,
    catalog,
    ledger: observedLedger(dependencies.ledger, metrics),
    limiters: createLimiterStore({ now: dependencies.now, entriesMax: dependencies.config.limits.limiterEntriesMax }),
    contexts,
    lifecycle: dependencies.lifecycle,
    logger: dependencies.logger,
    now: dependencies.now,
    thinkingVault: createThinkingVault({
      entriesMax: dependencies.config.limits.thinkingVaultEntriesMax,
      ttlMs: dependencies.config.limits.thinkingVaultTtlMs,
      now: dependencies.now,
    }),
    tokenEstimator: dependencies.tokenEstimator ?? createTokenEstimator(),
    countCache: createCountCache({ entriesMax: dependencies.config.limits.countCacheEntriesMax, ttlMs: dependencies.config.limits.countCacheTtlMs, now: dependencies.now }),
    responseState: createResponseState(
      createResponseStore(dependencies.ledgerConnection.client, {
        now: dependencies.now,
        retentionMs: dependencies.config.limits.responseStoreRetentionMs,
        itemsBytesMax: dependencies.config.limits.responseStoreItemsBytesMax,
        keyBytesMax: dependencies.config.limits.responseStoreKeyBytesMax,
      }),
      { now: dependencies.now, onError: (error) => dependencies.logger.error('response store write failed', { error: String(error) }) },
    ),
    keyPoolOf: (provider) => keyPools.get(provider.id) ?? fail('gateway_internal', `No key pool for provider ${provider.id}.`),
    sleep: dependencies.sleep ?? abortableSleep,
    random: dependencies.random ?? Math.random,
    connectProbe: createConnectProbe({ now: dependencies.now }),
    scrub: (text) => secrets.reduce((scrubbed, secret) => scrubbed.replaceAll(secret, '[redacted]'), text),
    probeDatabase: () => dependencies.ledgerConnection.client.query({ sql: 'SELECT 1', args: [] }),
  }
  const authenticate = createAuthenticator(dependencies.lookupKey, keyCache)
  const peerAddress: Gateway['peerAddress'] = { lookup: () => undefined }
  return {
    app: buildApp(dependencies, routeDependencies, authenticate, keyCache.delete, peerAddress, metrics),
    contexts,
    keyCache,
    limiters: routeDependencies.limiters,
    peerAddress,
    metrics,
  }
}

function buildApp(
  dependencies: AppDependencies,
  routeDependencies: RouteDependencies,
  authenticate: (headers: Headers) => Promise<ApiKeyRecord>,
  forgetKey: (keyHash: string) => void,
  peerAddress: Gateway['peerAddress'],
  metrics: GatewayMetrics,
) {
  const { contexts, logger } = routeDependencies
  const { limits } = dependencies.config
  return new Elysia({ name: 'anvat', normalize: false })
    .onRequest(async ({ request, set }) => {
      const path = pathOf(request.url)
      const requestId = newRequestId()
      // Every answer names its request, errors and streams included (Elysia merges these into returned responses).
      set.headers['x-request-id'] = requestId
      const context = contexts.create(request, {
        requestId,
        startedMs: dependencies.now(),
        method: request.method,
        path,
        dialect: dialectForRequest(path, request.headers),
        apiKey: undefined,
        bodyText: undefined,
        model: undefined,
        streamEnded: undefined,
      })
      // Authenticate before the body is read: an unauthenticated caller cannot make the gateway parse 32 MiB.
      if (path.startsWith('/admin')) {
        if (dependencies.adminToken === undefined) fail('caller_unknown_route', `Unknown request URL: ${request.method} ${path}.`)
        if (!secretMatches(presentedKey(request.headers), dependencies.adminToken)) fail('caller_unauthenticated', 'Invalid admin token.')
      } else if (path.startsWith('/v1/')) {
        // The balance may be asked without a key (the answer is then null); a key that is sent must be valid.
        if (path !== '/v1/balance' || presentedKey(request.headers) !== undefined) context.apiKey = await authenticate(request.headers)
      }
    })
    .onParse({ as: 'global' }, async ({ request }) => {
      const context = contexts.get(request)
      // Stripe's webhook is verified against its exact bytes; the self-serve pages post url-encoded forms.
      if (context.path === stripeWebhookPath) return readBodyText(request, webhookBytesMax)
      if (isWebPath(context.path)) return parseFormBody(await readBodyText(request, formBytesMax))
      // Every other body is read as JSON whatever its content-type: `curl -d` sends form-encoded JSON.
      const text = await readBodyText(request, limits.bodyBytesMax)
      // Admin actions such as revoke take no body (README: `POST /admin/keys/{id}/revoke`): none is an empty object.
      if (text === '' && context.path.startsWith('/admin/')) return {}
      const body = parseJsonBody(text, limits.jsonDepthMax)
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return fail('caller_invalid_request', 'The request body must be a JSON object.')
      }
      context.bodyText = text
      return body
    })
    .onError({ as: 'global' }, ({ code, error, request }) => {
      const context = contexts.find(request)
      const requestId = context?.requestId ?? newRequestId()
      const path = context?.path ?? pathOf(request.url)
      const gatewayError = toGatewayError({ code, error }, request.method, path, logger, requestId)
      if (gatewayError.limit !== undefined) metrics.observeRefusal(gatewayError.limit)
      if (isWebPath(path)) return webErrorPage(gatewayError)
      const answered = path.startsWith('/v1/') ? withSelfServeHint(gatewayError, dependencies.config, request.url) : gatewayError
      if (gatewayError.upstream !== undefined) {
        logger.warn('upstream error', {
          request_id: requestId,
          provider: gatewayError.upstream.provider,
          upstream_status: gatewayError.upstream.status,
          upstream_body: routeDependencies.scrub(gatewayError.upstream.body).slice(0, 500),
        })
      }
      return errorResponse(context?.dialect ?? dialectForPath(path), answered, requestId)
    })
    .use(healthRoutes(routeDependencies))
    .use(metricsRoutes(metrics, dependencies.metricsToken))
    .use(docsRoutes())
    .use(modelRoutes(routeDependencies))
    .use(balanceRoutes(routeDependencies))
    .use(usageRoutes({ ...routeDependencies, client: dependencies.ledgerConnection.client }))
    .use(messagesRoutes(routeDependencies))
    .use(chatCompletionsRoutes(routeDependencies))
    .use(responsesRoutes(routeDependencies))
    .use(adminRoutes({ connection: dependencies.ledgerConnection, ledger: dependencies.ledger, now: dependencies.now, config: dependencies.config, forgetKey }))
    .use(
      webRoutes({
        config: dependencies.config,
        connection: dependencies.ledgerConnection,
        ledger: dependencies.ledger,
        now: dependencies.now,
        logger,
        forgetKey,
        peerAddress: (request) => peerAddress.lookup(request),
        attempts: createLimiterStore({ now: dependencies.now, entriesMax: limits.limiterEntriesMax }),
        stripe: dependencies.stripe,
        mailer: dependencies.mailer ?? (dependencies.config.mail === undefined ? undefined : createSmtpMailer(dependencies.config.mail)),
      }),
    )
}

/** The ledger as the routes see it: every usage record it writes is also counted in the metrics. */
function observedLedger(ledger: Ledger, metrics: GatewayMetrics): Ledger {
  return {
    ...ledger,
    settle: (record) => {
      metrics.observeUsage(record, true)
      return ledger.settle(record)
    },
    release: (requestId, record) => {
      if (record !== undefined) metrics.observeUsage(record, false)
      return ledger.release(requestId, record)
    },
  }
}

/** The self-serve pages' paths, whose bodies are forms and whose errors are pages. */
function isWebPath(path: string): boolean {
  return path === '/app' || path.startsWith('/app/')
}

/**
 * The dialect a request's errors are written in: its path's, except on the catalog, which both dialects' clients
 * call; there an Anthropic client (as `/v1/models` tells them apart) gets Anthropic's envelope.
 */
export function dialectForRequest(path: string, headers: Headers): Dialect {
  if (path.startsWith('/v1/models') && identifiesAsAnthropicClient((name) => headers.get(name))) return dialects.anthropic
  return dialectForPath(path)
}

/** Errors speak the dialect of the path: Anthropic on `/v1/messages*`, Responses on `/v1/responses*`, else Chat. */
export function dialectForPath(path: string): Dialect {
  if (path.startsWith('/v1/messages')) return dialects.anthropic
  if (path.startsWith('/v1/responses')) return dialects['openai-responses']
  return dialects['openai-chat']
}

/** A timer the caller's going away cuts short. */
function abortableSleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', cancel)
      resolve()
    }, milliseconds)
    const cancel = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', cancel, { once: true })
  })
}
