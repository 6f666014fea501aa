/**
 * What the per-key limiter costs a request: `admitRequest` + `release` (rpm and concurrency, no spend cap) over
 * ~1e6 iterations on a fake clock, set against one proxied request's latency measured in the same run: a Bun.serve
 * upstream called directly, the same through the gateway on a port, and the gateway's in-process time with the
 * built-in mock model (no network at all, so the smallest denominator). Not run by `bun test`:
 *
 *   npx bun bench/limiter.ts [ITERATIONS] [REQUESTS]
 */
import { availableParallelism, cpus } from 'node:os'
import { loadConfig } from '../src/config/load.ts'
import type { Ledger } from '../src/ledger/ledger.ts'
import { openLedger } from '../src/ledger/database.ts'
import { createKey, findKeyByHash, type ApiKeyRecord } from '../src/ledger/keys.ts'
import { createLedger } from '../src/ledger/ledger.ts'
import { createLimiterStore } from '../src/limits/limiter-store.ts'
import { admitRequest, effectiveLimits } from '../src/routes/limits-guard.ts'
import { createApp } from '../src/server/app.ts'
import { listen } from '../src/server/listen.ts'
import { createLogger } from '../src/server/logger.ts'

const iterations = Number(process.argv[2] ?? 1_000_000)
const requestsCount = Number(process.argv[3] ?? 3_000)
/** Keys taking turns, so the store's map and LRU order are exercised, not one hot entry. */
const keysCount = 1_000
/** Fake time per admission: each key sees one request a second, 60 in its window against an rpm of 600. */
const stepMs = 1

// The spend check is off in this measurement: a ledger that is touched at all fails the run.
const untouchableLedger = new Proxy({} as Ledger, {
  get: (_target, name) => {
    throw new Error(`the ledger (${String(name)}) must not be used when no spend cap is set`)
  },
})

/** Nanoseconds per admit + release (and, with `withHeaders`, the three headers a success carries). */
function measureLimiter(count: number, withHeaders: boolean): number {
  let clockMs = Date.UTC(2026, 0, 1)
  const now = () => clockMs
  const limiters = createLimiterStore({ now, entriesMax: 100_000 })
  const dependencies = { limiters, ledger: untouchableLedger, now }
  const keys: ApiKeyRecord[] = Array.from({ length: keysCount }, (_, index) => ({
    id: `key_${index}`,
    accountId: `acct_${index}`,
    name: 'bench',
    keyPrefix: 'sk-anvat-bench',
    revokedAtMs: null,
    rpm: 600,
    concurrency: 8,
    windowSpendMicros: null,
    planId: null,
  }))
  const limits = keys.map((key) => effectiveLimits(key, undefined))
  let headerBytes = 0
  const startNs = Bun.nanoseconds()
  for (let index = 0; index < count; index++) {
    const slot = index % keysCount
    const admission = admitRequest(dependencies, keys[slot]!, limits[slot]!)
    if (withHeaders) headerBytes += admission.headers()['x-anvat-rpm-remaining']?.length ?? 0
    admission.release()
    clockMs += stepMs
  }
  const elapsedNs = Bun.nanoseconds() - startNs
  // A benchmark of wrong answers measures nothing: every slot back, and each key (one admission per fake second) has
  // exactly its last 59 admissions in the window: the one 60 s old has just left.
  if (limiters.concurrency.inFlight() !== 0) throw new Error(`${limiters.concurrency.inFlight()} slots leaked`)
  const expectedRemaining = count >= 60 * keysCount && count % keysCount === 0 ? 600 - 59 : undefined
  if (expectedRemaining !== undefined && limiters.requestsRemaining('key_0', 600) !== expectedRemaining) {
    throw new Error(`key_0 has ${limiters.requestsRemaining('key_0', 600)} requests left, not ${expectedRemaining}`)
  }
  if (withHeaders && headerBytes === 0) throw new Error('no headers were built')
  return elapsedNs / count
}

/** Mean and median µs of `count` sequential calls to `call`, after a warm-up. */
async function measureLatency(count: number, call: () => Promise<Response>): Promise<{ meanMicros: number; medianMicros: number }> {
  for (let index = 0; index < 200; index++) await (await call()).arrayBuffer()
  const samples: number[] = []
  for (let index = 0; index < count; index++) {
    const startNs = Bun.nanoseconds()
    const response = await call()
    await response.arrayBuffer()
    if (response.status !== 200) throw new Error(`status ${response.status}`)
    samples.push((Bun.nanoseconds() - startNs) / 1_000)
  }
  samples.sort((left, right) => left - right)
  return { meanMicros: samples.reduce((sum, sample) => sum + sample, 0) / count, medianMicros: samples[Math.floor(count / 2)]! }
}

const upstreamAnswer = await Bun.file(new URL('../test/fixtures/upstream/anthropic/text.response.json', import.meta.url)).text()
const upstream = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch: async (request) => {
    await request.arrayBuffer()
    return new Response(upstreamAnswer, { headers: { 'content-type': 'application/json', 'request-id': 'req_bench' } })
  },
})
const config = (() => {
  const pricing = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 }
  const file = {
    providers: [{ id: 'anthropic', type: 'anthropic', baseUrl: `http://127.0.0.1:${upstream.port}`, apiKey: 'sk-ant-bench' }],
    models: [{ id: 'claude-sonnet-4-6', provider: 'anthropic', pricing }],
  }
  const loaded = loadConfig(JSON.stringify(file), {})
  if (!loaded.ok) throw new Error(loaded.errors.join('; '))
  return loaded.config
})()
const connection = await openLedger({ path: ':memory:' }, Date.now())
// The key the requests use carries rpm and concurrency, so the proxied path includes the limiter being measured.
const created = await createKey(connection, { name: 'bench', creditMicros: 1_000_000_000_000, rpm: 1_000_000, concurrency: 64 }, Date.now())
const ledger = createLedger(connection.client, { now: Date.now, instanceId: 'gw_bench', timings: { ...config.limits, sweepIntervalMs: 3_600_000 } })
const logger = createLogger('info', () => undefined, Date.now)
const gateway = createApp({
  config,
  lookupKey: (keyHash) => findKeyByHash(connection, keyHash),
  ledger,
  ledgerConnection: connection,
  adminToken: undefined,
  fetch,
  now: Date.now,
  logger,
  lifecycle: { state: 'ready', startedMs: Date.now() },
})
const server = listen(gateway, { hostname: '127.0.0.1', port: 0 }, logger, Date.now)

const body = (model: string) => JSON.stringify({ model, max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }] })
const headers = { 'content-type': 'application/json', 'x-api-key': created.key, 'anthropic-version': '2023-06-01' }
const post = (url: string, model: string) => () => fetch(url, { method: 'POST', headers, body: body(model) })

// The limiter first, on a quiet process; then the requests.
measureLimiter(100_000, false)
const limiterNs = measureLimiter(iterations, false)
const limiterWithHeadersNs = measureLimiter(iterations, true)
const direct = await measureLatency(requestsCount, post(`http://127.0.0.1:${upstream.port}/v1/messages`, 'claude-sonnet-4-6'))
const proxied = await measureLatency(requestsCount, post(`http://127.0.0.1:${server.port}/v1/messages`, 'claude-sonnet-4-6'))
const inProcess = await measureLatency(requestsCount, () =>
  gateway.app.handle(new Request('http://anvat.bench/v1/messages', { method: 'POST', headers, body: body('anvat-echo') })),
)
await server.stop(true)
await upstream.stop(true)
await ledger.stop()
connection.close()

const limiterMicros = limiterNs / 1_000
const percent = (part: number, whole: number) => `${((part / whole) * 100).toFixed(3)} %`
console.log(`Bun ${Bun.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'})`)
console.log('')
console.log(`| measurement | iterations | µs per request |`)
console.log('|---|---:|---:|')
console.log(`| admitRequest + release (rpm + concurrency, ${keysCount} keys) | ${iterations} | ${limiterMicros.toFixed(3)} |`)
console.log(`| the same + the three headers | ${iterations} | ${(limiterWithHeadersNs / 1_000).toFixed(3)} |`)
console.log('')
console.log(`| one request (sequential, ${requestsCount}) | mean µs | median µs | limiter ÷ mean |`)
console.log('|---|---:|---:|---:|')
for (const [name, latency] of [
  ['upstream called directly', direct],
  ['gateway → upstream (port)', proxied],
  ['gateway in-process, mock model', inProcess],
] as const) {
  console.log(`| ${name} | ${latency.meanMicros.toFixed(0)} | ${latency.medianMicros.toFixed(0)} | ${percent(limiterMicros, latency.meanMicros)} |`)
}
console.log('')
console.log(`gateway overhead (proxied − direct): ${(proxied.meanMicros - direct.meanMicros).toFixed(0)} µs; limiter ÷ overhead: ${percent(limiterMicros, proxied.meanMicros - direct.meanMicros)}`)
console.log(`target: < 2 µs per request (${limiterMicros < 2 ? 'met' : 'MISSED'}), ≤ 1 % of a proxied request (${limiterMicros / proxied.meanMicros <= 0.01 ? 'met' : 'MISSED'})`)
