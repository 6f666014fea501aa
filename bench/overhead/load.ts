/**
 * Drives load at one URL with a real load generator and returns requests/s and latency percentiles: `wrk` when it is
 * on PATH (microsecond latencies, one C thread; `apt-get install wrk`), otherwise `autocannon` from devDependencies
 * (run under Node, millisecond latency buckets). Every run is bounded by its duration; wrk also by its timeout.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type LoadRequest = { url: string; headers: Record<string, string>; body: string }

export type LoadResult = {
  generator: 'wrk' | 'autocannon'
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

/** Runs `seconds` of load from `connections` keep-alive connections, each sending the next request once answered. */
export function runLoad(request: LoadRequest, connections: number, seconds: number): Promise<LoadResult> {
  return loadGenerator() === 'wrk' ? runWrk(request, connections, seconds) : runAutocannon(request, connections, seconds)
}
