import type { Registry as PrometheusRegistry } from 'prom-client'
import Counter from 'prom-client/lib/counter'
import Gauge from 'prom-client/lib/gauge'
import Histogram from 'prom-client/lib/histogram'
import Registry from 'prom-client/lib/registry'
import type { UsageRecordInput } from '../ledger/ledger.ts'

/*
 * The gateway's Prometheus metrics (prom-client, whose registry and text format work as they are under Bun and in
 * the compiled binary). Labels are bounded: routes are the gateway's own route templates, models only the catalog's
 * ids (anything a caller made up is `unknown`), providers and dialects the configured ones, limits a fixed set.
 * prom-client's default Node metrics are left out: under Bun its event-loop lag reads NaN. Process CPU and memory are
 * collected here instead. Its classes are imported from their own files (see src/types.d.ts), which keeps its
 * unused parts out of the start-up.
 */

/** What the serving loop knows when a request (or its stream) ends. */
export type FinishedRequest = {
  method: string
  path: string
  status: number
  model: string | undefined
  provider: string | undefined
  dialectIn: string
  dialectOut: string | undefined
  durationMs: number
  /** For streams: when the first event reached the caller, after the request started. */
  firstEventMs: number | undefined
  streamed: boolean
}

export type GatewayMetrics = {
  registry: PrometheusRegistry
  /** The text a scrape gets. */
  render: () => Promise<string>
  contentType: string
  observeRequest: (request: FinishedRequest) => void
  observeUsage: (record: UsageRecordInput, charged: boolean) => void
  observeRefusal: (limit: string) => void
  streamOpened: () => void
  streamClosed: () => void
  /** One group commit of the ledger: how long it took and how many entries it wrote. */
  observeCommit: (durationMs: number, entries: number) => void
  /** Reads the ledger's queue depth at each scrape. */
  watchQueueDepth: (depth: () => number) => void
}

/** Seconds from a tenth of a millisecond to ten minutes: gateway overhead up to a long reasoning answer. */
const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]
const commitBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]
const routeTemplates = ['/v1/messages', '/v1/messages/count_tokens', '/v1/chat/completions', '/v1/responses', '/v1/models', '/v1/balance', '/v1/usage', '/healthz', '/readyz', '/metrics']

/** The route template a path belongs to, so a label never takes a caller's free text. */
export function routeOf(path: string): string {
  if (routeTemplates.includes(path)) return path
  if (path.startsWith('/v1/models/')) return '/v1/models/{id}'
  if (path === '/app' || path.startsWith('/app/')) return '/app'
  if (path.startsWith('/admin/')) return '/admin'
  if (path.startsWith('/swagger') || path.startsWith('/openapi') || path === '/postman.json') return '/docs'
  return 'other'
}

export function createGatewayMetrics(options: { knownModel: (model: string) => boolean; now?: () => number }): GatewayMetrics {
  const registry = new Registry()
  const registers = [registry]
  const modelLabel = (model: string | undefined) => (model === undefined ? 'none' : options.knownModel(model) ? model : 'unknown')

  const requests = new Counter({
    name: 'anvat_requests_total',
    help: 'Requests answered, by route, model, provider, status and dialect pair (caller → upstream).',
    labelNames: ['route', 'method', 'model', 'provider', 'status', 'dialect_in', 'dialect_out'],
    registers,
  })
  const duration = new Histogram({
    name: 'anvat_request_duration_seconds',
    help: 'From the request reaching the gateway to its answer ending (a stream: its last event).',
    labelNames: ['route', 'streamed'],
    buckets: latencyBuckets,
    registers,
  })
  const firstEvent = new Histogram({
    name: 'anvat_time_to_first_token_seconds',
    help: 'For streams: from the request reaching the gateway to the first event reaching the caller.',
    labelNames: ['route', 'model'],
    buckets: latencyBuckets,
    registers,
  })
  const attempts = new Counter({ name: 'anvat_upstream_attempts_total', help: 'Requests sent to upstreams, retries and fallbacks included.', labelNames: ['provider'], registers })
  const retries = new Counter({ name: 'anvat_upstream_retries_total', help: 'Upstream attempts beyond the first for a request.', labelNames: ['provider'], registers })
  const fallbacks = new Counter({ name: 'anvat_fallbacks_total', help: 'Requests answered by a fallback model instead of the one asked for.', labelNames: ['model', 'fallback'], registers })
  const tokens = new Counter({
    name: 'anvat_tokens_total',
    help: 'Tokens metered, by model and kind (input is uncached input; output includes reasoning).',
    labelNames: ['model', 'kind'],
    registers,
  })
  const cost = new Counter({ name: 'anvat_cost_micro_usd_total', help: 'What requests were charged, in micro-USD, by model.', labelNames: ['model'], registers })
  const refusals = new Counter({ name: 'anvat_limiter_rejections_total', help: 'Requests refused by a key’s limits or credit, by limit.', labelNames: ['limit'], registers })
  const openStreams = new Gauge({ name: 'anvat_open_streams', help: 'Streams being relayed now.', registers })
  const commitDuration = new Histogram({ name: 'anvat_ledger_commit_duration_seconds', help: 'Ledger group commits, by duration.', buckets: commitBuckets, registers })
  const commitEntries = new Counter({ name: 'anvat_ledger_committed_entries_total', help: 'Ledger writes (holds, releases, settlements) committed.', registers })
  let queueDepth = () => 0
  new Gauge({
    name: 'anvat_ledger_queue_depth',
    help: 'Ledger writes waiting for the next group commit.',
    registers,
    collect() {
      this.set(queueDepth())
    },
  })
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    registers,
    collect() {
      this.set(process.memoryUsage.rss())
    },
  })
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    registers,
    collect() {
      const usage = process.cpuUsage()
      this.reset()
      this.inc((usage.user + usage.system) / 1e6)
    },
  })
  new Gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since the Unix epoch in seconds.', registers }).set(Math.round(Date.now() / 1000 - process.uptime()))

  return {
    registry,
    render: () => registry.metrics(),
    contentType: registry.contentType,
    observeRequest: (request) => {
      const route = routeOf(request.path)
      requests.inc({
        route,
        method: request.method,
        model: modelLabel(request.model),
        provider: request.provider ?? 'none',
        status: String(request.status),
        dialect_in: request.dialectIn,
        dialect_out: request.dialectOut ?? 'none',
      })
      duration.observe({ route, streamed: String(request.streamed) }, request.durationMs / 1000)
      if (request.firstEventMs !== undefined) firstEvent.observe({ route, model: modelLabel(request.model) }, request.firstEventMs / 1000)
    },
    observeUsage: (record, charged) => {
      attempts.inc({ provider: record.provider }, record.attempts)
      if (record.attempts > 1) retries.inc({ provider: record.provider }, record.attempts - 1)
      if (record.model !== record.requestedModel) fallbacks.inc({ model: modelLabel(record.requestedModel), fallback: modelLabel(record.model) })
      const model = modelLabel(record.model)
      const { usage } = record
      const kinds: Array<[string, number]> = [
        ['input', usage.input],
        ['cache_read', usage.cacheRead],
        ['cache_write', usage.cacheWrite5m + usage.cacheWrite1h],
        ['output', usage.output],
        ['reasoning', usage.reasoning],
      ]
      for (const [kind, count] of kinds) if (count > 0) tokens.inc({ model, kind }, count)
      if (charged && record.costMicros > 0) cost.inc({ model }, record.costMicros)
    },
    observeRefusal: (limit) => refusals.inc({ limit }),
    streamOpened: () => openStreams.inc(),
    streamClosed: () => openStreams.dec(),
    observeCommit: (durationMs, entries) => {
      commitDuration.observe(durationMs / 1000)
      commitEntries.inc(entries)
    },
    watchQueueDepth: (depth) => {
      queueDepth = depth
    },
  }
}
