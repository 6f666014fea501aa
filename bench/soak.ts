/**
 * Soak: a bounded run of mixed traffic through the compiled gateway (dist/anvat; from source when it is missing) in
 * front of bench/fault-upstream.ts, which fails about 10 % of upstream requests on purpose (errors, 429s, resets,
 * slow first bytes, stalls, cuts). It reports what callers got, the gateway's resident memory over the run, whether it
 * survived, and whether the money adds up: the cost every caller was shown equals the balance drop, the usage records
 * and, for complete answers, what the fake's own usage costs at the configured prices; and no hold is left open.
 *
 *   npm run build && npx bun bench/soak.ts [seconds=60] [concurrency=16] [seed]
 */
import { Database } from 'bun:sqlite'
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { costMicros, exactPricing } from '../src/ledger/pricing.ts'
import { faultKinds, startFaultUpstream, type UpstreamAttempt } from './fault-upstream.ts'
import { drive, outcomes, type CallRecord, type Outcome } from './soak-traffic.ts'

const runSeconds = Number(process.argv[2] ?? 60)
const concurrency = Number(process.argv[3] ?? 16)
const seed = Number(process.argv[4] ?? Math.floor(Math.random() * 2 ** 31))
const faultRate = 0.1
/** Traffic before the first RSS sample, so the tokenizer and JIT are already paid for. */
const warmupSeconds = Math.min(5, runSeconds / 4)
/** A caller gives up after this; a stall the gateway never ends shows up as client timeouts. */
const clientTimeoutMs = 30_000
const rssSampleIntervalMs = 5_000
const creditUsd = 100_000

const root = join(import.meta.dir, '..')
const binary = join(root, 'dist', 'anvat')
const command = existsSync(binary) ? [binary] : [process.execPath, join(root, 'src', 'main.ts')]


const models = [
  { id: 'claude-soak', provider: 'anthropic', upstreamId: 'claude-sonnet-4-6', pricing: { input: 3, output: 15, cacheWrite: 3.75, cacheWrite1h: 6, cacheRead: 0.3 } },
  { id: 'claude-soak-plain', provider: 'anthropic', upstreamId: 'claude-haiku-4-5', pricing: { input: 1, output: 5, cacheWrite: 1.25, cacheWrite1h: 2, cacheRead: 0.1 } },
  { id: 'gpt-soak', provider: 'openai', upstreamId: 'gpt-5-mini', pricing: { input: 0.25, output: 2, cacheRead: 0.025 } },
]

/**
 * Config from the retry and fallback work (`models[].fallbacks`, `limits.retry*`, `limits.firstByteTimeoutMs`). A
 * binary built before it refuses these fields, so the soak then runs without them and says so.
 */
const retryAndFallbackConfig = {
  fallbacks: { 'claude-soak': ['gpt-soak'] } as Record<string, string[]>,
  // firstByteTimeoutMs above the fake's 3 s slow first byte: a slow answer is waited for, not retried. retryAfterMaxMs
  // below the fake's `retry-after: 1`: a 429 moves on to the fallback, or reaches the caller when there is none.
  limits: { retryAttemptsMax: 3, retryBaseDelayMs: 200, retryDelayMaxMs: 2_000, retryAfterMaxMs: 500, retryDeadlineMs: 15_000, firstByteTimeoutMs: 10_000 },
}


/** Whether the process still runs: present in /proc and not a zombie awaiting its parent. */
function isRunning(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/status`)) return false
  return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
}

/** NaN once the process is gone, so a crash shows in the report instead of ending the script. */
function rssMegabytes(pid: number): number {
  if (!isRunning(pid)) return Number.NaN
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024
}

function writeConfig(path: string, upstreamUrl: string, withRetries: boolean) {
  const config = {
    providers: [
      { id: 'anthropic', type: 'anthropic', baseUrl: upstreamUrl, apiKey: 'sk-ant-soak-not-a-real-key' },
      { id: 'openai', type: 'openai', baseUrl: `${upstreamUrl}/v1`, apiKey: 'sk-soak-not-a-real-key' },
    ],
    models: models.map((model) => {
      const fallbacks = retryAndFallbackConfig.fallbacks[model.id]
      return withRetries && fallbacks !== undefined ? { ...model, fallbacks } : model
    }),
    // Stalled streams end after 5 s instead of the default 10 minutes.
    limits: { streamIdleTimeoutMs: 5_000, ...(withRetries ? retryAndFallbackConfig.limits : {}) },
  }
  writeFileSync(path, JSON.stringify(config, null, 2))
}

type Gateway = { child: Bun.Subprocess; url: string; logPath: string; errorPath: string }

/** Spawns `anvat serve` and waits for its `listening` line; a refused config comes back as its error text. */
async function spawnGateway(directory: string, configPath: string, database: string): Promise<Gateway | { refused: string }> {
  const logPath = join(directory, 'gateway.log')
  const errorPath = join(directory, 'gateway.stderr')
  const child = Bun.spawn([...command, 'serve', '--config', configPath, '--db', database, '--port', '0', '--host', '127.0.0.1'], {
    env: { PATH: process.env.PATH ?? '' },
    stdout: Bun.file(logPath),
    stderr: Bun.file(errorPath),
  })
  for (let waitedMs = 0; waitedMs < 15_000; waitedMs += 50) {
    await Bun.sleep(50)
    const log = existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''
    const url = /msg=listening url=(\S+)/.exec(log)?.[1]
    if (url !== undefined) return { child, url, logPath, errorPath }
    if (child.exitCode !== null) return { refused: `${readFileSync(errorPath, 'utf8')}${log}`.trim() }
  }
  child.kill('SIGKILL')
  throw new Error('anvat serve did not start within 15 s')
}


async function balanceMicros(url: string, key: string): Promise<number> {
  const response = await fetch(`${url}/v1/balance`, { headers: { 'x-api-key': key } })
  const body = (await response.json()) as { balance_usd: number }
  return Math.round(body.balance_usd * 1_000_000)
}


type LedgerFigures = {
  accountBalanceMicros: number
  openHolds: number
  openHoldMicros: number
  usageRecords: number
  usageCostMicros: number
  unbilledMicros: number
  /** Each request's recorded cost and outcome, by the request id its caller was given. */
  recordByRequestId: Map<string, { cost: number; outcome: string }>
  byOutcome: { outcome: string; count: number; cost: number }[]
  attemptsHistogram: { attempts: number; count: number }[] | undefined
}

/** Reads the ledger file directly, read-only, while the gateway still runs. */
function readLedger(database: string): LedgerFigures {
  const db = new Database(database, { readonly: true })
  try {
    const one = <T>(sql: string) => db.query(sql).get() as T
    const holds = one<{ count: number; micros: number }>('SELECT count(*) AS count, coalesce(sum(amount_micros), 0) AS micros FROM open_reservations')
    const usage = one<{ count: number; cost: number; unbilled: number }>(
      'SELECT count(*) AS count, coalesce(sum(cost_micros), 0) AS cost, coalesce(sum(unbilled_micros), 0) AS unbilled FROM usage_records',
    )
    const rows = db.query('SELECT request_id AS requestId, cost_micros AS cost, outcome FROM usage_records').all() as { requestId: string; cost: number; outcome: string }[]
    const columns = db.query("SELECT name FROM pragma_table_info('usage_records')").all() as { name: string }[]
    return {
      accountBalanceMicros: one<{ balance: number }>('SELECT balance_micros AS balance FROM accounts').balance,
      openHolds: holds.count,
      openHoldMicros: holds.micros,
      usageRecords: usage.count,
      usageCostMicros: usage.cost,
      unbilledMicros: usage.unbilled,
      recordByRequestId: new Map(rows.map((row) => [row.requestId, { cost: row.cost, outcome: row.outcome }])),
      byOutcome: db.query('SELECT outcome, count(*) AS count, sum(cost_micros) AS cost FROM usage_records GROUP BY outcome ORDER BY count DESC').all() as LedgerFigures['byOutcome'],
      attemptsHistogram: columns.some((column) => column.name === 'attempts')
        ? (db.query('SELECT attempts, count(*) AS count FROM usage_records GROUP BY attempts ORDER BY attempts').all() as { attempts: number; count: number }[])
        : undefined,
    }
  } finally {
    db.close()
  }
}

const pricingByUpstreamModel = new Map(models.map((model) => [model.upstreamId, exactPricing(model.pricing)]))

/** What a complete upstream answer should cost: the fake's usage at the configured price of the model it served. */
function expectedCostMicros(attempt: UpstreamAttempt): number {
  const pricing = pricingByUpstreamModel.get(attempt.model)
  if (pricing === undefined) throw new Error(`the fake served an unknown model '${attempt.model}'`)
  return costMicros(pricing, attempt.usage)
}

const usd = (micros: number) => `$${(micros / 1_000_000).toFixed(6)}`
let failedChecks = 0
const verdict = (ok: boolean) => {
  if (!ok) failedChecks += 1
  return ok ? 'PASS' : 'FAIL'
}

// ---- run ----

const directory = mkdtempSync(join(tmpdir(), 'anvat-soak-'))
const database = join(directory, 'soak.db')
const configPath = join(directory, 'config.json')
const fake = startFaultUpstream({ seed, faultRate, slowFirstByteMs: 3_000, eventDelayMs: 5, attemptsMax: 2_000_000 })
const newestSourceMs = Math.max(...[...new Bun.Glob('src/**/*.ts').scanSync(root)].map((path) => statSync(join(root, path)).mtimeMs))
console.log(`soak: ${runSeconds} s (first ${warmupSeconds} s warm-up), concurrency ${concurrency}, fault rate ${faultRate}, seed ${seed}`)
console.log(`${command.length === 1 ? 'compiled binary' : 'from source'}, Bun ${Bun.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, files in ${directory}`)
if (command.length === 1 && statSync(binary).mtimeMs < newestSourceMs) console.log('warning: dist/anvat is older than src/; run `npm run build` first')

const created = Bun.spawnSync([...command, 'keys', 'create', '--name', 'soak', '--credit', String(creditUsd), '--db', database], { env: { PATH: process.env.PATH ?? '' } })
const key = created.stdout.toString().trim().split('\n').at(-1) ?? ''
if (created.exitCode !== 0) throw new Error(`keys create failed: ${created.stderr.toString()}`)

writeConfig(configPath, fake.url, true)
const withRetries = await spawnGateway(directory, configPath, database)
const retriesConfigured = !('refused' in withRetries)
if ('refused' in withRetries) {
  console.log(`the gateway refused the retry/fallback config: this run has no fallbacks and the binary's default retry limits:\n  ${withRetries.refused.split('\n').join('\n  ')}`)
  writeConfig(configPath, fake.url, false)
}
const started = 'refused' in withRetries ? await spawnGateway(directory, configPath, database) : withRetries
if ('refused' in started) throw new Error(`anvat serve refused the base config: ${started.refused}`)
const gateway: Gateway = started
const { child, url } = gateway
const balanceBeforeMicros = await balanceMicros(url, key)
const records: CallRecord[] = []
const startedMs = performance.now()
const rssSamples: { seconds: number; megabytes: number }[] = []
const sampleRss = () => rssSamples.push({ seconds: (performance.now() - startedMs) / 1000, megabytes: rssMegabytes(child.pid) })

// One run of traffic throughout; the warm-up only decides when memory is first sampled.
let sampler: ReturnType<typeof setInterval> | undefined
const warmedUp = setTimeout(() => {
  sampleRss()
  sampler = setInterval(sampleRss, rssSampleIntervalMs)
}, warmupSeconds * 1000)
await drive({ url, key, seed, concurrency, clientTimeoutMs, gatewayRunning: () => isRunning(child.pid) }, startedMs + runSeconds * 1000, records)
const drainedMs = performance.now()
clearTimeout(warmedUp)
clearInterval(sampler)
await Bun.sleep(1_000) // group commit, and any stream the gateway is still winding down
sampleRss()
const rssStartMegabytes = rssSamples[0]!.megabytes
const rssEndMegabytes = rssSamples.at(-1)!.megabytes

const aliveAtEnd = isRunning(child.pid)
const healthStatus = await fetch(`${url}/healthz`).then((response) => response.status, () => 0)
const balanceAfterMicros = await balanceMicros(url, key).catch(() => Number.NaN)
const ledger = readLedger(database)
const openUpstreamStreams = fake.openStreamCount()
child.kill('SIGTERM')
const exitCode = await Promise.race([child.exited, Bun.sleep(40_000).then(() => 'still running 40 s after SIGTERM')])
await fake.stop()

// ---- report ----

const wallSeconds = (drainedMs - startedMs) / 1000
const count = (outcome: Outcome) => records.filter((record) => record.outcome === outcome).length
console.log(
  `\nrequests: ${records.length} started in ${runSeconds} s = ${(records.length / runSeconds).toFixed(1)} requests/s; the last ended at ${wallSeconds.toFixed(1)} s (${(records.length / wallSeconds).toFixed(1)} requests/s over that)`,
)
console.log('outcome | requests | share')
for (const outcome of outcomes) console.log(`${outcome} | ${count(outcome)} | ${((100 * count(outcome)) / records.length).toFixed(1)} %`)
const latencies = records
  .filter((record) => record.outcome === 'whole-ok' || record.outcome === 'stream-completed')
  .map((record) => record.durationMs)
  .sort((a, b) => a - b)
const percentile = (share: number) => latencies[Math.min(latencies.length - 1, Math.floor(share * latencies.length))]?.toFixed(0) ?? '-'
console.log(`successful call duration ms: p50 ${percentile(0.5)}, p90 ${percentile(0.9)}, p99 ${percentile(0.99)}, max ${percentile(1)}`)

const attempts = [...fake.attemptsBySoakId.values()]
const faultTotal = faultKinds.reduce((sum, kind) => sum + fake.faultCounts[kind], 0)
console.log(`\nupstream requests: ${fake.requestCount()}, faults injected: ${faultTotal} (${((100 * faultTotal) / fake.requestCount()).toFixed(1)} %)`)
console.log(`fault | injected\n${faultKinds.map((kind) => `${kind} | ${fake.faultCounts[kind]}`).join('\n')}`)
const retried = attempts.filter((list) => list.length > 1)
const fellBack = retried.filter((list) => new Set(list.map((attempt) => attempt.model)).size > 1)
const retryConfig = retriesConfigured ? 'on' : 'refused by this binary'
console.log(`calls the gateway sent upstream more than once: ${retried.length} (to another model: ${fellBack.length}); retry/fallback config ${retryConfig}`)
if (ledger.attemptsHistogram !== undefined) console.log(`usage_records.attempts: ${ledger.attemptsHistogram.map((row) => `${row.attempts}→${row.count}`).join(', ')}`)
const abandoned = attempts.flat().filter((attempt) => attempt.abandoned).length
console.log(`upstream answers the gateway hung up on: ${abandoned}; still open after the run: ${openUpstreamStreams}`)
// What each sequence of upstream attempts (`+` joins a retry's) turned into for the caller, whole and stream apart.
const byAttempts = new Map<string, Map<Outcome, number>>()
for (const record of records) {
  const faults = (fake.attemptsBySoakId.get(record.soakId) ?? []).map((attempt) => attempt.fault ?? 'ok').join('+') || 'never sent'
  const row = `${faults} (${record.scenario.stream ? 'stream' : 'whole'})`
  const tally = byAttempts.get(row) ?? new Map<Outcome, number>()
  byAttempts.set(row, tally.set(record.outcome, (tally.get(record.outcome) ?? 0) + 1))
}
console.log('upstream attempts | caller outcomes')
for (const [row, tally] of [...byAttempts].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`${row} | ${[...tally].map(([outcome, times]) => `${outcome} ${times}`).join(', ')}`)
}

console.log(`\ngateway alive at the end: ${aliveAtEnd}, /healthz ${healthStatus}, exit code ${exitCode}${aliveAtEnd ? ' after SIGTERM' : ''}`)
if (!aliveAtEnd) console.log(`gateway died during the run; its stderr ends:\n${readFileSync(gateway.errorPath, 'utf8').slice(-2_000)}`)
const megabytes = rssSamples.map((sample) => sample.megabytes)
const rssMaxMegabytes = Math.max(...megabytes)
console.log(
  `RSS MB: start ${rssStartMegabytes.toFixed(1)} (after warm-up), end ${rssEndMegabytes.toFixed(1)}, max ${rssMaxMegabytes.toFixed(1)}, growth ${(rssEndMegabytes - rssStartMegabytes).toFixed(1)}`,
)
// Flat: what the run leaves behind is within noise of the warmed-up start (garbage collection moves RSS by ~10 MB).
const rssToleranceMegabytes = Math.max(10, rssStartMegabytes * 0.1)
/** Below this a run has too few samples after its warm-up to tell growth from a collection not yet run. */
const rssJudgedFromSeconds = 30
const rssFlat = rssEndMegabytes - rssStartMegabytes <= rssToleranceMegabytes
if (runSeconds >= rssJudgedFromSeconds) console.log(`${verdict(rssFlat)} RSS flat: end − start ≤ ${rssToleranceMegabytes.toFixed(1)} MB`)
else console.log(`(not judged) RSS flat: end − start ≤ ${rssToleranceMegabytes.toFixed(1)} MB: ${rssFlat}, but a ${runSeconds} s run is too short to tell`)
console.log(`RSS samples: ${rssSamples.map((sample) => `${sample.seconds.toFixed(0)}s ${sample.megabytes.toFixed(0)}`).join(', ')}`)
const log = readFileSync(gateway.logPath, 'utf8') + readFileSync(gateway.errorPath, 'utf8')
const logCounts = new Map<string, number>()
for (const match of log.matchAll(/level=(warn|error) msg=("[^"]*"|\S+)/g)) {
  const line = `${match[1]} ${match[2]}`
  logCounts.set(line, (logCounts.get(line) ?? 0) + 1)
}
console.log(`gateway warn/error log lines: ${[...logCounts].map(([line, times]) => `${line} ×${times}`).join('; ') || 'none'}`)

const seenMicros = records.reduce((sum, record) => sum + (record.costMicros ?? 0), 0)
const dropMicros = balanceBeforeMicros - balanceAfterMicros
console.log(`\nledger: balance ${usd(balanceBeforeMicros)} → ${usd(balanceAfterMicros)}, drop ${usd(dropMicros)}; usage records ${ledger.usageRecords} for ${records.length} calls`)
console.log(`usage records by outcome: ${ledger.byOutcome.map((row) => `${row.outcome} ${row.count} (${usd(row.cost)})`).join(', ')}`)
const unseen = records.filter((record) => record.costMicros === undefined && (ledger.recordByRequestId.get(record.requestId ?? '')?.cost ?? 0) > 0)
const shownWrong = records.filter(
  (record) => record.costMicros !== undefined && record.requestId !== null && record.costMicros !== (ledger.recordByRequestId.get(record.requestId)?.cost ?? 0),
)
console.log(`${verdict(seenMicros === dropMicros)} costs shown to callers (headers + stream trailers) ${usd(seenMicros)} = balance drop ${usd(dropMicros)}`)
if (unseen.length > 0 || shownWrong.length > 0) console.log(`  billed without the caller seeing a cost: ${unseen.length} (${unseen.map((record) => record.outcome).join(', ')}); shown ≠ recorded: ${shownWrong.length}`)
const completedElsewhere = new Map<string, number>()
for (const record of records.filter((record) => record.outcome === 'whole-ok' || record.outcome === 'stream-completed')) {
  const outcome = ledger.recordByRequestId.get(record.requestId ?? '')?.outcome ?? 'no record'
  const what = `${record.scenario.name} → ${outcome}`
  if (outcome !== 'completed') completedElsewhere.set(what, (completedElsewhere.get(what) ?? 0) + 1)
}
if (completedElsewhere.size > 0) console.log(`  complete for the caller, another outcome in usage_records: ${[...completedElsewhere].map(([what, times]) => `${what} ×${times}`).join('; ')}`)
console.log(`${verdict(ledger.usageCostMicros - ledger.unbilledMicros === dropMicros)} usage records' cost ${usd(ledger.usageCostMicros)} (unbilled ${usd(ledger.unbilledMicros)}) = balance drop`)
console.log(`${verdict(ledger.accountBalanceMicros === balanceAfterMicros)} accounts.balance_micros ${usd(ledger.accountBalanceMicros)} = GET /v1/balance`)
console.log(`${verdict(ledger.openHolds === 0)} open holds after the run: ${ledger.openHolds} (${usd(ledger.openHoldMicros)})`)

// Complete answers: the gateway charged exactly the fake's usage at the configured price of the model that served,
// taken from the one attempt whose final usage went out (a stream may have stalled after it, before its last event).
let expectedMicros = 0
let chargedMicros = 0
const mismatches: string[] = []
for (const record of records.filter((record) => record.outcome === 'whole-ok' || record.outcome === 'stream-completed')) {
  const reported = (fake.attemptsBySoakId.get(record.soakId) ?? []).filter((attempt) => attempt.usageSent)
  const expected = reported.length === 1 ? expectedCostMicros(reported[0]!) : Number.NaN
  expectedMicros += expected
  chargedMicros += record.costMicros ?? 0
  if (expected === record.costMicros) continue
  mismatches.push(`#${record.soakId} ${record.scenario.name}: ${reported.length} upstream answers sent their usage, expected ${usd(expected)}, shown ${usd(record.costMicros ?? 0)}`)
}
console.log(`${verdict(mismatches.length === 0)} complete answers charged the fake's usage × price: ${usd(chargedMicros)} vs expected ${usd(expectedMicros)}, ${mismatches.length} mismatches`)
for (const line of mismatches.slice(0, 5)) console.log(`  ${line}`)
const partialMicros = seenMicros - chargedMicros
console.log(`  the rest of the drop, ${usd(partialMicros)}, is cut and stalled streams billed for what they delivered (estimated)`)

// Last, the ledger's own audit over everything the run wrote: balances from entries, each charge from its tokens at
// its rates, every hold given back.
const audited = Bun.spawnSync([...command, 'audit', '--db', database], { env: { PATH: process.env.PATH ?? '' } })
console.log(`${verdict(audited.exitCode === 0)} anvat audit: ${audited.stdout.toString().trim().split('\n').join('\n  ')}`)
if (failedChecks > 0) process.exitCode = 1
