/**
 * Footprint of a compiled binary: its size, cold start (spawn → first /healthz 200, polled every 2 ms; median of
 * runs, each on a fresh ledger so migrations run) and idle RSS one second after ready.
 *
 *   npm run build && npx bun bench/footprint.ts [binary=dist/anvat] [runs=7]
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const binary = process.argv[2] ?? join(import.meta.dir, '..', 'dist', 'anvat')
const runs = Number(process.argv[3] ?? 7)
const pollIntervalMs = 2

async function once(port: number) {
  const database = join(mkdtempSync(join(tmpdir(), 'anvat-footprint-')), 'bench.db')
  const startedMs = performance.now()
  const child = Bun.spawn([binary, 'serve', '--port', String(port), '--host', '127.0.0.1', '--db', database], {
    env: { PATH: process.env.PATH ?? '' },
    stdout: 'ignore',
  })
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.ok, () => false)
    if (ok) break
    await Bun.sleep(pollIntervalMs)
  }
  const readyMs = performance.now() - startedMs
  await Bun.sleep(1000)
  const rssKilobytes = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0)
  child.kill('SIGTERM')
  await child.exited
  return { readyMs, rssMebibytes: rssKilobytes / 1024 }
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!
const results = []
for (let run = 0; run < runs; run++) results.push(await once(20000 + Math.floor(Math.random() * 20000)))
console.log(`${binary}: ${(statSync(binary).size / 2 ** 20).toFixed(1)} MiB, Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores`)
console.log(`cold start to /healthz 200: median ${median(results.map((r) => r.readyMs)).toFixed(0)} ms of ${runs} (${results.map((r) => r.readyMs.toFixed(0)).join(', ')})`)
console.log(`idle RSS: median ${median(results.map((r) => r.rssMebibytes)).toFixed(1)} MiB`)
