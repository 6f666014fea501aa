/**
 * `npm run bench`: what a gateway costs its callers, side by side in one run on this machine. A loopback mock
 * upstream (bench/overhead/mock-upstream.ts) is called directly (the floor), through a plain Bun fetch proxy (the
 * practical limit for any Bun gateway), through the same forward inside Elysia with and without metering's JSON passes
 * (the framework's floor, elysia-proxy.ts), through the compiled gateway with a real key, limits and the SQLite ledger on,
 * and through a peer gateway (Portkey, installed into bench/peer from the npm registry). For every route (same-dialect
 * passthrough and cross-dialect translation, streamed and not) it measures latency at one connection, throughput at
 * many, time to first token for streams, and the serving process's CPU time and peak memory. Then: 1,000 concurrent
 * long-lived streams, ledger settles per second, what the limiter costs, and cold start.
 *
 *   npm run bench -- [--seconds 5] [--connections 32] [--streams 1000] [--quick] [--no-peer] [--no-extras]
 *                    [--only direct|plain-proxy|elysia|anvat|portkey …] [--route 'chat → openai' …] [--generator wrk|autocannon]
 *
 * Writes bench/results/overhead.json, overhead.md and overhead.svg. Every load targets 127.0.0.1, and every loop is
 * bounded in count and time.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { chooseLoadGenerator, loadGenerator, runLoad, type LoadRequest, type LoadResult } from './overhead/load.ts'
import { freePort, rssMebibytes, startListening, startPolled, watchProcess, type Service } from './overhead/processes.ts'
import { renderChart, renderMarkdown, type Extra, type Report, type StreamHold, type TargetResult } from './overhead/report.ts'
import type { ProxyShape } from './overhead/elysia-proxy.ts'
import { gatewayRequest, portkeyRequest, routes, upstreamRequest, type Route, type TargetName } from './overhead/scenarios.ts'
import { firstTokenTimes, type HeldStreams } from './overhead/streams.ts'

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    tokens: { type: 'string', default: '64' },
    streams: { type: 'string', default: '1000' },
    'first-token-requests': { type: 'string', default: '200' },
    quick: { type: 'boolean', default: false },
    'no-peer': { type: 'boolean', default: false },
    'no-extras': { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    route: { type: 'string', multiple: true },
    generator: { type: 'string' },
  },
})
const quick = flags.quick
const seconds = quick ? 2 : Number(flags.seconds)
const warmupSeconds = quick ? 1 : 2
const connections = Number(flags.connections)
const tokens = Number(flags.tokens)
const streamCount = quick ? Math.min(200, Number(flags.streams)) : Number(flags.streams)
const firstTokenRequests = quick ? 50 : Number(flags['first-token-requests'])
/** Paced mocks: 8 tokens 5 ms apart for first-token timing; a token every 250 ms for streams held open ~15 s. */
const pacedTokenDelayMs = 5
const pacedTokens = 8
const longStream = { tokens: 60, tokenDelayMs: 250 }
/** Bun's fetch keeps at most 256 requests in flight unless told otherwise; the stream hold needs more. */
const fetchConcurrencyEnv = { BUN_CONFIG_MAX_HTTP_REQUESTS: String(Math.max(2048, streamCount * 2)) }

const root = join(import.meta.dir, '..')
const binary = join(root, 'dist', 'anvat')
const resultsDirectory = join(import.meta.dir, 'results')
const workDirectory = mkdtempSync(join(tmpdir(), 'anvat-bench-overhead-'))
const bun = process.execPath
const services: Service[] = []

function log(text: string) {
  process.stderr.write(`${text}\n`)
}

async function ensureBinary() {
  if (existsSync(binary)) return
  log('building dist/anvat (npm run build) …')
  const build = Bun.spawnSync(['npm', 'run', 'build'], { cwd: root, stdout: 'ignore', stderr: 'pipe' })
  if (build.exitCode !== 0) throw new Error(`npm run build failed: ${build.stderr.toString()}`)
}

async function startMock(name: string, mockTokens: number, tokenDelayMs: number) {
  const service = await startListening(name, [bun, join(import.meta.dir, 'overhead', 'mock-upstream.ts'), '--port', '0', '--tokens', String(mockTokens), '--token-delay-ms', String(tokenDelayMs)], {}, workDirectory)
  services.push(service)
  return service
}

async function startElysiaProxy(name: string, upstream: string, shape: ProxyShape) {
  const service = await startListening(name, [bun, join(import.meta.dir, 'overhead', 'elysia-proxy.ts'), '--port', '0', '--upstream', upstream, '--shape', shape], fetchConcurrencyEnv, workDirectory)
  services.push(service)
  return service
}

async function startPlainProxy(name: string, upstream: string) {
  const service = await startListening(name, [bun, join(import.meta.dir, 'overhead', 'plain-proxy.ts'), '--port', '0', '--upstream', upstream], fetchConcurrencyEnv, workDirectory)
  services.push(service)
  return service
}

/** The gateway with a bench config (three paces of each upstream dialect), a fresh SQLite ledger and a limited key. */
async function startGateway(mocks: { fast: string; paced: string; long: string }) {
  const providers = Object.entries(mocks).flatMap(([pace, url]) => [
    { id: `openai-${pace}`, type: 'openai', baseUrl: `${url}/v1`, apiKey: 'sk-bench-upstream-not-a-real-key' },
    { id: `anthropic-${pace}`, type: 'anthropic', baseUrl: url, apiKey: 'sk-ant-bench-upstream-not-a-real-key' },
  ])
  const suffix = { fast: '', paced: '-paced', long: '-long' } as const
  const models = (['fast', 'paced', 'long'] as const).flatMap((pace) => [
    { id: `gpt-bench${suffix[pace]}`, provider: `openai-${pace}`, upstreamId: 'gpt-bench-mock', pricing: { input: 0.25, output: 2, cacheRead: 0.025 } },
    { id: `claude-bench${suffix[pace]}`, provider: `anthropic-${pace}`, upstreamId: 'claude-bench-mock', pricing: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 } },
  ])
  const configPath = join(workDirectory, 'anvat.json')
  writeFileSync(configPath, JSON.stringify({ providers, models }, null, 2))
  const database = join(workDirectory, 'ledger.db')
  // Limits on and generous enough never to refuse: the cost of checking them is what is measured.
  const created = Bun.spawnSync([binary, 'keys', 'create', '--name', 'bench', '--credit', '10000000', '--rpm', '100000000', '--concurrency', '100000', '--window-spend-usd', '10000000', '--db', database])
  if (created.exitCode !== 0) throw new Error(`anvat keys create failed: ${created.stderr.toString()}`)
  const key = created.stdout.toString().trim().split('\n').at(-1)!
  const service = await startListening('anvat', [binary, 'serve', '--config', configPath, '--db', database, '--port', '0', '--host', '127.0.0.1'], fetchConcurrencyEnv, workDirectory)
  services.push(service)
  return { service, key }
}

/** Portkey's gateway from bench/peer, installed there on first use with the versions its release lockfile pins. */
async function startPortkey(): Promise<Service | { skipped: string }> {
  const peerDirectory = join(import.meta.dir, 'peer')
  const entry = join(peerDirectory, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js')
  if (!existsSync(entry)) {
    log('installing the peer gateway into bench/peer (npm ci) …')
    const install = Bun.spawnSync(['npm', 'ci', '--no-audit', '--no-fund'], { cwd: peerDirectory, stdout: 'ignore', stderr: 'pipe' })
    if (install.exitCode !== 0) return { skipped: `npm ci in bench/peer failed: ${install.stderr.toString().slice(0, 500)}` }
  }
  if (Bun.which('node') === null) return { skipped: 'node is not on PATH' }
  const port = freePort()
  const url = `http://127.0.0.1:${port}`
  // `--port=N` (a separate `--port N` is ignored); headless: no web UI or log stream.
  const loopback = join(peerDirectory, 'loopback.mjs')
  const service = await startPolled('portkey', ['node', '--import', loopback, entry, `--port=${port}`, '--headless'], url, `${url}/`, { NODE_ENV: 'production' }, workDirectory)
  services.push(service)
  return service
}

/** One request answered 200 with the mock's text, or the run stops here with what came back. */
async function checkAnswers(target: TargetName, route: Route, request: LoadRequest) {
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body })
  const text = await response.text()
  if (!response.ok || !text.includes('The')) throw new Error(`${target} on ${route.name}: ${response.status} ${text.slice(0, 400)}`)
  if (target === 'anvat' && !route.stream && response.headers.get('x-anvat-cost-usd') === null) throw new Error(`anvat on ${route.name}: no x-anvat-cost-usd`)
}

const quantile = (values: number[], share: number) => values.toSorted((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * share))]!

async function measureTarget(target: TargetName, service: Service | undefined, route: Route, request: LoadRequest, pacedRequest: LoadRequest | undefined): Promise<TargetResult> {
  await checkAnswers(target, route, request)
  await runLoad(request, connections, warmupSeconds)
  const pid = service?.process.pid
  const measure = async (load: () => Promise<LoadResult>) => {
    const watch = pid === undefined ? undefined : watchProcess(pid)
    const result = await load()
    const usage = watch?.stop()
    return { result, cpuMillisecondsPerRequest: usage === undefined ? undefined : (usage.cpuSeconds * 1000) / Math.max(1, result.requests), cpuShare: usage === undefined ? undefined : usage.cpuSeconds / result.seconds, peakRssMebibytes: usage?.peakRssMebibytes }
  }
  const single = await measure(() => runLoad(request, 1, seconds))
  const many = await measure(() => runLoad(request, connections, seconds))
  let firstToken: TargetResult['firstTokenMs']
  if (route.stream && pacedRequest !== undefined) {
    const times = await firstTokenTimes(pacedRequest, firstTokenRequests)
    firstToken = { p50: quantile(times, 0.5), p99: quantile(times, 0.99) }
  }
  log(`  ${target.padEnd(12)} c=1 p50 ${single.result.latencyMs.p50.toFixed(3)} ms · c=${connections} ${many.result.requestsPerSecond.toFixed(0)} req/s${firstToken === undefined ? '' : ` · first token p50 ${firstToken.p50.toFixed(2)} ms`}`)
  return {
    target,
    single: single.result,
    many: many.result,
    cpuMillisecondsPerRequest: many.cpuMillisecondsPerRequest,
    cpuShare: many.cpuShare,
    peakRssMebibytes: Math.max(single.peakRssMebibytes ?? 0, many.peakRssMebibytes ?? 0) || undefined,
    firstTokenMs: firstToken,
  }
}

/** Opens `count` streams through `service` at once and reads the memory it holds for them. */
async function measureStreamHold(name: string, service: Service, request: LoadRequest, count: number): Promise<StreamHold> {
  Bun.gc(true)
  await Bun.sleep(500)
  const idleRssMebibytes = rssMebibytes(service.process.pid)
  const watch = watchProcess(service.process.pid, 100)
  const client = Bun.spawn([bun, join(import.meta.dir, 'overhead', 'streams.ts'), request.url, String(count), JSON.stringify(request.headers), request.body], {
    env: { ...fetchConcurrencyEnv, PATH: process.env.PATH ?? '' },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const deadline = setTimeout(() => client.kill('SIGKILL'), 120_000)
  const output = await new Response(client.stdout).text()
  clearTimeout(deadline)
  const usage = watch.stop()
  const summary = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as HeldStreams
  const perStreamKibibytes = ((usage.peakRssMebibytes - idleRssMebibytes) * 1024) / Math.max(1, summary.opened)
  log(`  ${name}: ${summary.opened}/${count} open after ${summary.allOpenMs.toFixed(0)} ms, ${summary.completed} completed, peak RSS ${usage.peakRssMebibytes.toFixed(1)} MiB (idle ${idleRssMebibytes.toFixed(1)}), ${perStreamKibibytes.toFixed(1)} KiB per stream`)
  return { name, count, ...summary, idleRssMebibytes, peakRssMebibytes: usage.peakRssMebibytes, perStreamKibibytes, cpuSeconds: usage.cpuSeconds }
}

/** Runs one of the other bench scripts and keeps its output (they print their own tables). */
function runScript(title: string, script: string, args: string[]): Extra {
  log(`${title} …`)
  const child = Bun.spawnSync([bun, join(import.meta.dir, script), ...args], { cwd: root, stdout: 'pipe', stderr: 'pipe', timeout: 600_000 })
  const output = `${child.stdout.toString()}${child.exitCode === 0 ? '' : `\n(exit ${child.exitCode}) ${child.stderr.toString()}`}`.trim()
  return { title, command: `npx bun bench/${script} ${args.join(' ')}`.trim(), output }
}

async function main() {
  chooseLoadGenerator(flags.generator)
  await ensureBinary()
  const only = new Set(flags.only ?? ['direct', 'plain-proxy', 'elysia', 'anvat', 'portkey'])
  if (flags['no-peer']) only.delete('portkey')
  log(`load generator: ${loadGenerator() === 'wrk' ? 'wrk' : 'autocannon (many connections; one connection: a timed fetch loop), install wrk for both in microseconds'}`)
  const mock = await startMock('mock', tokens, 0)
  const pacedMock = await startMock('paced mock', pacedTokens, pacedTokenDelayMs)
  const longMock = await startMock('long mock', longStream.tokens, longStream.tokenDelayMs)
  const plain = await startPlainProxy('plain proxy', mock.url)
  const pacedPlain = await startPlainProxy('paced plain proxy', pacedMock.url)
  const longPlain = await startPlainProxy('long plain proxy', longMock.url)
  const elysia = only.has('elysia') ? { forward: await startElysiaProxy('elysia forward', mock.url, 'forward'), metered: await startElysiaProxy('elysia metered', mock.url, 'metered') } : undefined
  const gateway = await startGateway({ fast: mock.url, paced: pacedMock.url, long: longMock.url })
  const portkey = only.has('portkey') ? await startPortkey() : { skipped: 'not asked for' }
  if ('skipped' in portkey) log(`peer skipped: ${portkey.skipped}`)

  const results: Report['routes'] = []
  for (const route of routes.filter((candidate) => flags.route === undefined || flags.route.includes(candidate.name))) {
    log(route.name)
    const targets: TargetResult[] = []
    if (only.has('direct')) targets.push(await measureTarget('direct', undefined, route, upstreamRequest(mock.url, route), upstreamRequest(pacedMock.url, route)))
    if (only.has('plain-proxy')) targets.push(await measureTarget('plain-proxy', plain, route, upstreamRequest(plain.url, route), upstreamRequest(pacedPlain.url, route)))
    if (elysia !== undefined && route.caller === route.upstream && !route.stream) {
      targets.push(await measureTarget('elysia-forward', elysia.forward, route, upstreamRequest(elysia.forward.url, route), undefined))
      targets.push(await measureTarget('elysia-metered', elysia.metered, route, upstreamRequest(elysia.metered.url, route), undefined))
    }
    if (only.has('anvat')) targets.push(await measureTarget('anvat', gateway.service, route, gatewayRequest(gateway.service.url, route, gateway.key), gatewayRequest(gateway.service.url, route, gateway.key, 'paced')))
    if (!('skipped' in portkey)) {
      const request = portkeyRequest(portkey.url, route, mock.url)
      if (request !== undefined) targets.push(await measureTarget('portkey', portkey, route, request, portkeyRequest(portkey.url, route, pacedMock.url)))
    }
    results.push({ route, targets })
  }

  const holds: StreamHold[] = []
  const streamRoute = routes.find((route) => route.name === 'chat → openai, stream')!
  const crossStreamRoute = routes.find((route) => route.name === 'messages → openai, stream')!
  if (streamCount > 0) {
    log(`${streamCount} concurrent streams, each ~${(longStream.tokens * longStream.tokenDelayMs) / 1000} s`)
    if (only.has('plain-proxy')) holds.push(await measureStreamHold('plain-proxy', longPlain, upstreamRequest(longPlain.url, streamRoute), streamCount))
    if (only.has('anvat')) {
      holds.push(await measureStreamHold('anvat, chat → openai', gateway.service, gatewayRequest(gateway.service.url, streamRoute, gateway.key, 'long'), streamCount))
      holds.push(await measureStreamHold('anvat, messages → openai', gateway.service, gatewayRequest(gateway.service.url, crossStreamRoute, gateway.key, 'long'), streamCount))
    }
    if (!('skipped' in portkey)) holds.push(await measureStreamHold('portkey', portkey, portkeyRequest(portkey.url, streamRoute, longMock.url)!, streamCount))
  }
  for (const service of services.splice(0)) await service.stop()

  const extras: Extra[] = flags['no-extras']
    ? []
    : [
        runScript('Ledger settles per second', 'ledger-settle.ts', [quick ? '5000' : '20000']),
        runScript('What the limiter costs a request', 'limiter.ts', quick ? ['200000', '500'] : []),
        runScript('Cold start and idle memory', 'footprint.ts', [binary, quick ? '3' : '7']),
      ]

  const report: Report = {
    generatedAt: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: navigator.hardwareConcurrency, bun: Bun.version, platform: `${process.platform}-${process.arch}` },
    settings: { generator: loadGenerator() === 'wrk' ? 'wrk' : 'autocannon (1 connection: a timed fetch loop)', seconds, warmupSeconds, connections, tokens, pacedTokenDelayMs, firstTokenRequests, streamCount, longStream, peer: 'skipped' in portkey ? `skipped: ${portkey.skipped}` : '@portkey-ai/gateway 1.15.2' },
    routes: results,
    streamHolds: holds,
    extras,
  }
  mkdirSync(resultsDirectory, { recursive: true })
  writeFileSync(join(resultsDirectory, 'overhead.json'), `${JSON.stringify(report, null, 2)}\n`)
  const markdown = renderMarkdown(report)
  writeFileSync(join(resultsDirectory, 'overhead.md'), markdown)
  writeFileSync(join(resultsDirectory, 'overhead.svg'), renderChart(report))
  console.log(markdown)
  log(`written: bench/results/overhead.json, overhead.md, overhead.svg`)
}

try {
  await main()
} finally {
  for (const service of services) await service.stop()
}
