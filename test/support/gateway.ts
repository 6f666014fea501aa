/**
 * Builds the gateway for tests: a catalog pointing at a fake upstream, an in-memory ledger with a valid and a revoked
 * key, and either `app.handle` (route tests, no port) or a real listener on 127.0.0.1 (end-to-end tests with SDKs).
 */
import { afterAll, beforeAll, beforeEach } from 'bun:test'
import { loadConfig } from '../../src/config/load.ts'
import type { Config, Limits, ModelConfig, PlanConfig, ProviderConfig } from '../../src/config/schema.ts'
import { openLedger, type LedgerConnection } from '../../src/ledger/database.ts'
import { createKey, findKeyByHash, revokeKey } from '../../src/ledger/keys.ts'
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts'
import type { Lifecycle } from '../../src/routes/dependencies.ts'
import { createApp, type Gateway } from '../../src/server/app.ts'
import { listen } from '../../src/server/listen.ts'
import { createLogger, type LogFormat } from '../../src/server/logger.ts'
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.ts'
import { createTokenEstimator, type TokenEstimator } from '../../src/translate/token-estimator.ts'
import type { StripeBilling } from '../../src/billing/stripe-checkout.ts'
import type { Mailer } from '../../src/accounts/mailer.ts'
import { auditLedger } from '../../src/ledger/audit.ts'
import { createGatewayMetrics } from '../../src/server/metrics.ts'

const pricing = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 }

/** The catalog used by route and e2e tests: one real id and one alias per upstream dialect. */
export function testModels(): ModelConfig[] {
  return [
    { id: 'claude-sonnet-4-6', provider: 'anthropic', displayName: 'Claude Sonnet 4.6', created: 1_771_286_400, pricing },
    { id: 'claude-alias', provider: 'anthropic', upstreamId: 'claude-sonnet-4-6', created: 1_700_000_000, pricing },
    { id: 'gpt-5-mini', provider: 'openai', created: 1_754_524_800, pricing },
    { id: 'gpt-alias', provider: 'openai', upstreamId: 'gpt-5-mini', created: 1_600_000_000, pricing },
  ]
}

/** The raw config file a test gateway loads, for a test to reshape (key pools, fallbacks, other providers). */
export type TestConfigFile = { providers: Array<Record<string, unknown>>; models: Array<Record<string, unknown>>; limits: Record<string, unknown> }

/** The config's plans and the default one, for tests of per-key limits, and a last touch on the whole file. */
export type TestPlans = { plans?: PlanConfig[]; defaultPlan?: string; configure?: (file: TestConfigFile) => void }

/** A validated config pointing at `upstream`. */
export function testConfig(upstream: FakeUpstream | undefined, limits: Partial<Limits> = {}, plans: TestPlans = {}): Config {
  const providers: ProviderConfig[] =
    upstream === undefined
      ? []
      : [
          { id: 'anthropic', type: 'anthropic', baseUrl: upstream.url, apiKey: upstream.anthropicKey },
          { id: 'openai', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKey: upstream.openaiKey },
        ]
  const models = upstream === undefined ? [] : testModels()
  // One attempt and no rate-limit cooldown unless a test asks: most tests script one upstream reply per request.
  const testLimits = { retryAttemptsMax: 1, keyRateLimitStrikes: 100, ...limits }
  const file: TestConfigFile = { providers: providers as TestConfigFile['providers'], models: models as TestConfigFile['models'], limits: testLimits }
  plans.configure?.(file)
  const { configure: _configure, ...planFields } = plans
  const loaded = loadConfig(JSON.stringify({ ...file, ...planFields }), {})
  if (!loaded.ok) throw new Error(`test config invalid: ${loaded.errors.join('; ')}`)
  return loaded.config
}

export type TestGateway = {
  gateway: Gateway
  ledger: Ledger
  connection: LedgerConnection
  /** The valid key's id and account. */
  keyId: string
  accountId: string
  /** A valid key with $10 credit. */
  key: string
  revokedKey: string
  logs: string[]
  lifecycle: Lifecycle
  /** `app.handle` for a path and init, with the valid key as `x-api-key` unless headers say otherwise. */
  handle: (path: string, init?: RequestInit) => Promise<Response>
  close: () => Promise<void>
}

export type TestGatewayOptions = TestPlans & {
  limits?: Partial<Limits>
  creditMicros?: number
  adminToken?: string
  databasePath?: string
  /** The gateway's and the ledger's clock (default `Date.now`), so limit windows can pass without sleeping. */
  now?: () => number
  /** The input-token estimator (default: one shared by every test gateway, its encoding already loaded). */
  tokenEstimator?: TokenEstimator
  /** Retry waits (default: real timers) and jitter (default `Math.random`). */
  sleep?: (milliseconds: number, signal: AbortSignal) => Promise<void>
  random?: () => number
  /** Card payments for packs (default: none). */
  stripe?: StripeBilling
  /** Mail for address confirmation and password reset (default: SMTP from the config's `mail`, else none). */
  mailer?: Mailer
  /** Audit the ledger when the gateway closes, failing on any discrepancy (default true). */
  audit?: boolean
  /** The log lines' format (default logfmt). */
  logFormat?: LogFormat
  /** A bearer token /metrics asks for (default: none, open). */
  metricsToken?: string
}

let loadedEstimator: Promise<TokenEstimator> | undefined

/**
 * One estimator for every test gateway in the run, loaded before the first request: holds and `message_start`
 * estimates are then the tokenizer's from the first request on, as on a gateway that has warmed up, and never
 * change under a test because the encoding finished loading in the middle of it.
 */
export function sharedTokenEstimator(): Promise<TokenEstimator> {
  return (loadedEstimator ??= (async () => {
    const estimator = createTokenEstimator()
    await estimator.countRequest({ model: '', system: [], messages: [], tools: [], stream: false, vendor: {} })
    return estimator
  })())
}

/** The gateway without a port, for route tests: an in-memory ledger with a $10 key and a revoked one. */
export async function createTestGateway(upstream: FakeUpstream | undefined, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const connection = await openLedger({ path: options.databasePath ?? ':memory:' }, Date.now())
  const created = await createKey(connection, { name: 'test', creditMicros: options.creditMicros ?? 10_000_000 }, Date.now())
  const revoked = await createKey(connection, { name: 'revoked', creditMicros: 10_000_000 }, Date.now())
  await revokeKey(connection, revoked.id, Date.now())
  const logs: string[] = []
  const lifecycle: Lifecycle = { state: 'ready', startedMs: Date.now() }
  const config = testConfig(upstream, options.limits, { plans: options.plans, defaultPlan: options.defaultPlan, configure: options.configure })
  const now = options.now ?? Date.now
  const metrics = createGatewayMetrics({ knownModel: (model) => config.models.some((known) => known.id === model) })
  const ledger = createLedger(connection.client, { now, instanceId: 'gw_test', timings: config.limits, onCommit: metrics.observeCommit })
  const gateway = createApp({
    config,
    lookupKey: (keyHash) => findKeyByHash(connection, keyHash),
    ledger,
    ledgerConnection: connection,
    adminToken: options.adminToken,
    fetch,
    now,
    logger: createLogger('debug', (line) => logs.push(line), Date.now, options.logFormat),
    lifecycle,
    tokenEstimator: options.tokenEstimator ?? (await sharedTokenEstimator()),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.random === undefined ? {} : { random: options.random }),
    stripe: options.stripe,
    mailer: options.mailer,
    metrics,
    metricsToken: options.metricsToken,
  })
  const key = created.key
  return {
    gateway,
    ledger,
    connection,
    keyId: created.id,
    accountId: created.accountId,
    key,
    revokedKey: revoked.key,
    logs,
    lifecycle,
    handle: (path, init = {}) => {
      const headers = new Headers(init.headers)
      if (!headers.has('x-api-key') && !headers.has('authorization')) headers.set('x-api-key', key)
      return gateway.app.handle(new Request(`http://anvat.test${path}`, { ...init, headers }))
    },
    close: async () => {
      await ledger.stop()
      try {
        // Every test gateway's books must hold when it closes, whatever its tests did through the API.
        if (options.audit !== false) await expectCleanAudit(connection)
      } finally {
        connection.close()
      }
    },
  }
}

/** Fails with the audit's problems unless the ledger's books hold (`anvat audit`, src/ledger/audit.ts). */
export async function expectCleanAudit(connection: LedgerConnection): Promise<void> {
  const report = await auditLedger(connection.client, { nowMs: Date.now(), instanceTimeoutMs: 30_000, reservationTimeoutMs: 7_200_000 })
  if (!report.ok) throw new Error(`the ledger's audit failed: ${JSON.stringify(report.problemCounts)}\n${report.problems.map((problem) => `  ${problem.kind} ${problem.subject}: ${problem.detail}`).join('\n')}`)
}

export type ListeningTestGateway = TestGateway & { url: string; stop: () => Promise<void> }

/** The gateway on an ephemeral loopback port, for clients that need a real socket (the official SDKs). */
export async function startTestGateway(upstream: FakeUpstream | undefined, options: TestGatewayOptions = {}): Promise<ListeningTestGateway> {
  const test = await createTestGateway(upstream, options)
  const logger = createLogger('debug', (line) => test.logs.push(line), Date.now, options.logFormat)
  const server = listen(test.gateway, { hostname: '127.0.0.1', port: 0 }, logger, Date.now)
  return {
    ...test,
    url: `http://127.0.0.1:${server.port}`,
    stop: async () => {
      await server.stop(true)
      await test.close()
    },
  }
}

/**
 * Registers the usual hooks for a route-test file: one fake upstream and one gateway for the file, the upstream's
 * record cleared before each test. Read `.upstream` and `.gateway` inside tests, once the hooks have run.
 */
export function useRouteGateway(options: TestGatewayOptions = {}): { upstream: FakeUpstream; gateway: TestGateway } {
  const fixture = {} as { upstream: FakeUpstream; gateway: TestGateway }
  beforeAll(async () => {
    fixture.upstream = await startFakeUpstream()
    fixture.gateway = await createTestGateway(fixture.upstream, options)
  })
  afterAll(async () => {
    await fixture.gateway.close()
    await fixture.upstream.stop()
  })
  beforeEach(() => fixture.upstream.clear())
  return fixture
}

/**
 * Registers the usual hooks for an end-to-end file: one fake upstream and one listening gateway for the file, the
 * upstream's record cleared before each test. Read `.upstream` and `.gateway` inside tests, once the hooks have run.
 */
export function useListeningGateway(options: TestGatewayOptions = {}): { upstream: FakeUpstream; gateway: ListeningTestGateway } {
  const fixture = {} as { upstream: FakeUpstream; gateway: ListeningTestGateway }
  beforeAll(async () => {
    fixture.upstream = await startFakeUpstream()
    fixture.gateway = await startTestGateway(fixture.upstream, options)
  })
  beforeEach(() => fixture.upstream.clear())
  afterAll(async () => {
    await fixture.gateway.stop()
    await fixture.upstream.stop()
  })
  return fixture
}

/** A gateway whose providers point at a port nothing listens on: every upstream call is refused. */
export async function createUnreachableGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const gone = await startFakeUpstream()
  await gone.stop()
  return createTestGateway(gone, options)
}
