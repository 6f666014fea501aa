/**
 * The overhead benchmark's report: its JSON shape, the markdown tables (figures, added latency against the direct
 * floor, and the ratios against the plain proxy and the peer) and a bar chart of throughput as SVG.
 */
import type { LoadResult } from './load.ts'
import type { Route, TargetName } from './scenarios.ts'
import type { HeldStreams } from './streams.ts'

export type TargetResult = {
  target: TargetName
  /** One connection: latency. */
  single: LoadResult
  /** Many connections: throughput. */
  many: LoadResult
  /** The serving process's CPU time per request, and its share of one core, over the many-connection run. */
  cpuMillisecondsPerRequest: number | undefined
  cpuShare: number | undefined
  peakRssMebibytes: number | undefined
  /** Streamed routes: send → first token's text, sequential, against the paced mock. */
  firstTokenMs: { p50: number; p99: number } | undefined
}

export type StreamHold = HeldStreams & { name: string; count: number; idleRssMebibytes: number; peakRssMebibytes: number; perStreamKibibytes: number; cpuSeconds: number }

export type Extra = { title: string; command: string; output: string }

export type Report = {
  generatedAt: string
  machine: { cpu: string; cores: number; bun: string; platform: string }
  settings: Record<string, unknown>
  routes: Array<{ route: Route; targets: TargetResult[] }>
  streamHolds: StreamHold[]
  extras: Extra[]
}

/** What the issue asks of the gateway: added p50 at one connection, throughput against the plain proxy, streams. */
export const targets = { addedP50Ms: 0.3, throughputShareOfPlain: 0.85, streamsRssMebibytes: 250 }

const fixed = (value: number | undefined, digits: number) => (value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits))
const ratio = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '—' : `${value.toFixed(2)}×`)

function find(targetResults: TargetResult[], name: TargetName) {
  return targetResults.find((result) => result.target === name)
}

/** Per route: the gateway's added latency and throughput against the floor, the plain proxy and the peer. */
export function summarize(report: Report) {
  return report.routes.map(({ route, targets: results }) => {
    const direct = find(results, 'direct')
    const plain = find(results, 'plain-proxy')
    const anvat = find(results, 'anvat')
    const peer = find(results, 'portkey')
    const added = (result: TargetResult | undefined) => (result === undefined || direct === undefined ? undefined : result.single.latencyMs.p50 - direct.single.latencyMs.p50)
    const addedFirstToken = (result: TargetResult | undefined) => (result?.firstTokenMs === undefined || direct?.firstTokenMs === undefined ? undefined : result.firstTokenMs.p50 - direct.firstTokenMs.p50)
    return {
      route: route.name,
      anvatAddedP50Ms: added(anvat),
      plainAddedP50Ms: added(plain),
      peerAddedP50Ms: added(peer),
      anvatAddedFirstTokenMs: addedFirstToken(anvat),
      plainAddedFirstTokenMs: addedFirstToken(plain),
      peerAddedFirstTokenMs: addedFirstToken(peer),
      anvatOverPlainThroughput: anvat === undefined || plain === undefined ? undefined : anvat.many.requestsPerSecond / plain.many.requestsPerSecond,
      anvatOverPeerThroughput: anvat === undefined || peer === undefined ? undefined : anvat.many.requestsPerSecond / peer.many.requestsPerSecond,
      anvatOverPeerAddedP50: added(anvat) === undefined || added(peer) === undefined ? undefined : added(anvat)! / added(peer)!,
    }
  })
}

export function renderMarkdown(report: Report): string {
  const lines: string[] = []
  const settings = report.settings as { generator: string; seconds: number; warmupSeconds: number; connections: number; tokens: number; pacedTokenDelayMs: number; firstTokenRequests: number; peer: string }
  lines.push('# Gateway overhead', '')
  lines.push(
    `${report.generatedAt} · ${report.machine.cpu}, ${report.machine.cores} cores · Bun ${report.machine.bun} · ${report.machine.platform} · load by ${settings.generator}, ` +
      `${settings.seconds} s per run after ${settings.warmupSeconds} s of warm-up · latency at 1 connection, throughput at ${settings.connections} · ` +
      `${settings.tokens}-token answers · first token: ${settings.firstTokenRequests} sequential streams, mock pacing ${settings.pacedTokenDelayMs} ms/token · peer: ${settings.peer}`,
    '',
  )
  lines.push('## Summary', '')
  lines.push(`Targets: added p50 ≤ ${targets.addedP50Ms} ms at 1 connection; throughput ≥ ${targets.throughputShareOfPlain * 100}% of the plain Bun proxy; ${report.streamHolds[0]?.count ?? 1000} streams ≤ ${targets.streamsRssMebibytes} MiB RSS.`, '')
  lines.push('| route | anvat added p50 | plain proxy added p50 | peer added p50 | anvat added first token | peer added first token | anvat ÷ plain proxy req/s | anvat ÷ peer req/s | peer ÷ anvat added p50 |')
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const row of summarize(report)) {
    lines.push(
      `| ${row.route} | ${fixed(row.anvatAddedP50Ms, 3)} ms | ${fixed(row.plainAddedP50Ms, 3)} ms | ${fixed(row.peerAddedP50Ms, 3)} ms | ${fixed(row.anvatAddedFirstTokenMs, 3)} ms | ${fixed(row.peerAddedFirstTokenMs, 3)} ms | ` +
        `${ratio(row.anvatOverPlainThroughput)} | ${ratio(row.anvatOverPeerThroughput)} | ${ratio(row.anvatOverPeerAddedP50 === undefined ? undefined : 1 / row.anvatOverPeerAddedP50)} |`,
    )
  }
  lines.push('', '## Every scenario', '')
  lines.push(`| route | target | req/s (${settings.connections} conn.) | p50 / p99 at ${settings.connections} conn. | p50 / p99 at 1 conn. | first token p50 / p99 | CPU per request | CPU (cores) | peak RSS | errors |`)
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const { route, targets: results } of report.routes) {
    for (const result of results) {
      lines.push(
        `| ${route.name} | ${result.target} | ${result.many.requestsPerSecond.toFixed(0)} | ${fixed(result.many.latencyMs.p50, 2)} / ${fixed(result.many.latencyMs.p99, 2)} ms | ` +
          `${fixed(result.single.latencyMs.p50, 3)} / ${fixed(result.single.latencyMs.p99, 3)} ms | ${result.firstTokenMs === undefined ? '—' : `${fixed(result.firstTokenMs.p50, 2)} / ${fixed(result.firstTokenMs.p99, 2)} ms`} | ` +
          `${result.cpuMillisecondsPerRequest === undefined ? '—' : `${(result.cpuMillisecondsPerRequest * 1000).toFixed(0)} µs`} | ${fixed(result.cpuShare, 2)} | ${result.peakRssMebibytes === undefined ? '—' : `${result.peakRssMebibytes.toFixed(0)} MiB`} | ${result.single.errors + result.many.errors} |`,
      )
    }
  }
  lines.push(...renderFrameworkFloor(report))
  lines.push('', 'The direct target is the mock itself, so it has no serving process of its own to measure here. Cross-dialect routes send the direct and plain-proxy targets the request already in the upstream\'s dialect.', '')
  if (report.streamHolds.length > 0) {
    lines.push('## Concurrent long-lived streams', '')
    lines.push('| through | streams | all open after | completed | failed | idle RSS | peak RSS | per stream | CPU |')
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    for (const hold of report.streamHolds) {
      lines.push(
        `| ${hold.name} | ${hold.opened} / ${hold.count} | ${hold.allOpenMs.toFixed(0)} ms | ${hold.completed} | ${hold.failed} | ${hold.idleRssMebibytes.toFixed(1)} MiB | ${hold.peakRssMebibytes.toFixed(1)} MiB | ${hold.perStreamKibibytes.toFixed(1)} KiB | ${hold.cpuSeconds.toFixed(2)} s |`,
      )
    }
    lines.push('')
  }
  for (const extra of report.extras) {
    lines.push(`## ${extra.title}`, '', `\`${extra.command}\``, '', extra.output, '')
  }
  return `${lines.join('\n')}\n`
}

/**
 * Where the gateway's throughput goes: the plain proxy, the same forward inside Elysia, Elysia with the JSON passes
 * of metering, and the gateway, each as a share of the plain proxy (same-dialect whole answers only).
 */
function renderFrameworkFloor(report: Report): string[] {
  const rows = report.routes.filter(({ targets: results }) => find(results, 'elysia-forward') !== undefined)
  if (rows.length === 0) return []
  const lines = ['', "## The framework's floor", '', '| route | plain proxy req/s | Elysia, forward | Elysia, parse + rewrite + read usage | anvat |', '|---|---:|---:|---:|---:|']
  for (const { route, targets: results } of rows) {
    const plain = find(results, 'plain-proxy')?.many.requestsPerSecond
    const cell = (name: TargetName) => {
      const value = find(results, name)?.many.requestsPerSecond
      return value === undefined ? '—' : `${value.toFixed(0)} (${plain === undefined ? '—' : ratio(value / plain)})`
    }
    lines.push(`| ${route.name} | ${plain === undefined ? '—' : plain.toFixed(0)} | ${cell('elysia-forward')} | ${cell('elysia-metered')} | ${cell('anvat')} |`)
  }
  return lines
}

const palette: Record<TargetName, string> = { direct: '#6b7280', 'plain-proxy': '#2563eb', 'elysia-forward': '#7c3aed', 'elysia-metered': '#db2777', anvat: '#059669', portkey: '#d97706' }

/** Horizontal bars: requests/s per route and target. */
export function renderChart(report: Report): string {
  const barHeight = 14
  const gap = 4
  const labelWidth = 230
  const chartWidth = 520
  const maximum = Math.max(1, ...report.routes.flatMap(({ targets: results }) => results.map((result) => result.many.requestsPerSecond)))
  const escape = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
  const parts: string[] = []
  let y = 40
  for (const { route, targets: results } of report.routes) {
    parts.push(`<text x="0" y="${y + barHeight - 3}" font-size="12">${escape(route.name)}</text>`)
    for (const result of results) {
      const width = (result.many.requestsPerSecond / maximum) * chartWidth
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${width.toFixed(1)}" height="${barHeight}" fill="${palette[result.target]}"><title>${result.target}: ${result.many.requestsPerSecond.toFixed(0)} req/s</title></rect>`)
      parts.push(`<text x="${(labelWidth + width + 4).toFixed(1)}" y="${y + barHeight - 3}" font-size="10">${result.target} ${result.many.requestsPerSecond.toFixed(0)}</text>`)
      y += barHeight + gap
    }
    y += 10
  }
  const legend = (Object.keys(palette) as TargetName[]).map((name, index) => `<rect x="${labelWidth + index * 110}" y="8" width="10" height="10" fill="${palette[name]}"/><text x="${labelWidth + index * 110 + 14}" y="17" font-size="11">${name}</text>`)
  const height = y + 10
  const width = labelWidth + chartWidth + 140
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">
<text x="0" y="17" font-size="13" font-weight="bold">requests/s</text>
${legend.join('\n')}
${parts.join('\n')}
</svg>
`
}
