/**
 * Drives load at one URL with a real load generator and returns requests/s and latency percentiles: `wrk` when it is
 * on PATH (microsecond latencies, one C thread; `apt-get install wrk`), otherwise `autocannon` from devDependencies
 * (run under Node, millisecond latency buckets) for many connections and a timed fetch loop for one. Every run is
 * bounded by its duration; wrk also by its timeout.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type LoadRequest = { url: string; headers: Record<string, string>; body: string }

export type LoadResult = {
  generator: 'wrk' | 'autocannon' | 'fetch loop'
  connections: number
  seconds: number
  requests: number
  requestsPerSecond: number
  /** Answers that were not 2xx, plus connect, read, write and timeout errors. */
  errors: number
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number }
}

const scriptDirectory = mkdtempSync(join(tmpdir(), 'anvat-bench-load-'))
let scriptCount = 0

let chosen: 'wrk' | 'autocannon' | undefined

/** Picks the generator: the one asked for, else wrk when it is on PATH, else autocannon. */
export function chooseLoadGenerator(asked: string | undefined) {
  if (asked !== undefined && asked !== 'wrk' && asked !== 'autocannon') throw new Error(`--generator must be wrk or autocannon, got '${asked}'`)
  if (asked === 'wrk' && Bun.which('wrk') === null) throw new Error('wrk is not on PATH (apt-get install wrk)')
  chosen = asked ?? (Bun.which('wrk') === null ? 'autocannon' : 'wrk')
}

export function loadGenerator(): 'wrk' | 'autocannon' {
  return chosen ?? (Bun.which('wrk') === null ? 'autocannon' : 'wrk')
}

/** A Lua long string that cannot be closed by anything inside `text`. */
function luaString(text: string): string {
  let level = 1
  while (text.includes(`]${'='.repeat(level)}]`)) level += 1
  const equals = '='.repeat(level)
  return `[${equals}[${text}]${equals}]`
}

function wrkScript(request: LoadRequest): string {
  const headerLines = Object.entries(request.headers).map(([name, value]) => `wrk.headers[ ${luaString(name)} ] = ${luaString(value)}`)
  return `wrk.method = "POST"
wrk.body = ${luaString(request.body)}
${headerLines.join('\n')}
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format('WRK_RESULT {"requests":%d,"duration_us":%d,"errors":%d,"p50":%d,"p90":%d,"p99":%d,"mean":%f,"max":%d}\\n',
    summary.requests, summary.duration, errors.connect + errors.read + errors.write + errors.status + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
`
}

async function runWrk(request: LoadRequest, connections: number, seconds: number): Promise<LoadResult> {
  scriptCount += 1
  const scriptPath = join(scriptDirectory, `request-${scriptCount}.lua`)
  writeFileSync(scriptPath, wrkScript(request))
  const child = Bun.spawn(['wrk', '-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '-s', scriptPath, request.url], { stdout: 'pipe', stderr: 'pipe' })
  const [output, errorOutput, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  const line = output.split('\n').find((text) => text.startsWith('WRK_RESULT '))
  if (exitCode !== 0 || line === undefined) throw new Error(`wrk failed (exit ${exitCode}): ${errorOutput || output}`)
  const parsed = JSON.parse(line.slice('WRK_RESULT '.length)) as { requests: number; duration_us: number; errors: number; p50: number; p90: number; p99: number; mean: number; max: number }
  const elapsedSeconds = parsed.duration_us / 1e6
  return {
    generator: 'wrk',
    connections,
    seconds: elapsedSeconds,
    requests: parsed.requests,
    requestsPerSecond: parsed.requests / elapsedSeconds,
    errors: parsed.errors,
    latencyMs: { p50: parsed.p50 / 1000, p90: parsed.p90 / 1000, p99: parsed.p99 / 1000, mean: parsed.mean / 1000, max: parsed.max / 1000 },
  }
}

async function runAutocannon(request: LoadRequest, connections: number, seconds: number): Promise<LoadResult> {
  const entry = join(import.meta.dir, '..', '..', 'node_modules', 'autocannon', 'autocannon.js')
  const headerArguments = Object.entries(request.headers).flatMap(([name, value]) => ['-H', `${name}=${value}`])
  const child = Bun.spawn(['node', entry, '--json', '-c', String(connections), '-d', String(seconds), '-m', 'POST', '-b', request.body, ...headerArguments, request.url], { stdout: 'pipe', stderr: 'pipe' })
  const [output, errorOutput, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  if (exitCode !== 0) throw new Error(`autocannon failed (exit ${exitCode}): ${errorOutput}`)
  const parsed = JSON.parse(output) as {
    duration: number
    requests: { total: number }
    non2xx: number
    errors: number
    timeouts: number
    latency: { p50: number; p90: number; p99: number; mean: number; max: number }
  }
  return {
    generator: 'autocannon',
    connections,
    seconds: parsed.duration,
    requests: parsed.requests.total,
    requestsPerSecond: parsed.requests.total / parsed.duration,
    errors: parsed.non2xx + parsed.errors + parsed.timeouts,
    latencyMs: { p50: parsed.latency.p50, p90: parsed.latency.p90, p99: parsed.latency.p99, mean: parsed.latency.mean, max: parsed.latency.max },
  }
}

/**
 * One connection without wrk: a sequential loop of Bun fetches timed with performance.now(), for latencies in
 * microseconds where autocannon would round them to whole milliseconds. Bounded by `seconds` and by `requestsMax`.
 */
async function runFetchLoop(request: LoadRequest, seconds: number, requestsMax = 1_000_000): Promise<LoadResult> {
  const latencies: number[] = []
  let errors = 0
  const startedMs = performance.now()
  const endMs = startedMs + seconds * 1000
  while (performance.now() < endMs && latencies.length < requestsMax) {
    const sentMs = performance.now()
    const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body })
    await response.arrayBuffer()
    latencies.push(performance.now() - sentMs)
    if (!response.ok) errors += 1
  }
  const elapsedSeconds = (performance.now() - startedMs) / 1000
  const sorted = latencies.toSorted((a, b) => a - b)
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? Number.NaN
  return {
    generator: 'fetch loop',
    connections: 1,
    seconds: elapsedSeconds,
    requests: latencies.length,
    requestsPerSecond: latencies.length / elapsedSeconds,
    errors,
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), mean: latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length), max: sorted.at(-1) ?? Number.NaN },
  }
}

/**
 * Runs `seconds` of load from `connections` keep-alive connections, each sending the next request once answered.
 * Without wrk, one connection is a timed fetch loop and more are autocannon.
 */
export function runLoad(request: LoadRequest, connections: number, seconds: number): Promise<LoadResult> {
  if (loadGenerator() === 'wrk') return runWrk(request, connections, seconds)
  return connections === 1 ? runFetchLoop(request, seconds) : runAutocannon(request, connections, seconds)
}
