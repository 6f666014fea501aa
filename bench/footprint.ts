/**
 * Footprint of a compiled binary, beside the floor any compiled Bun server has, in one run:
 * - size;
 * - cold start: spawn → first /healthz 200 (polled every 2 ms), median of runs, on a fresh ledger (migrations run) and
 *   on the ledger of the run before (a restart);
 * - idle RSS one second after ready, split into private memory (anonymous pages: heap, stacks, JIT) and pages mapped
 *   from the binary file (clean, shared by every process running the same file, dropped first under memory pressure).
 * The floor is a compiled `Bun.serve` answering 200, built here with the same Bun and flags.
 *
 *   npm run build && npx bun bench/footprint.ts [binary=dist/anvat] [runs=7]
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const binary = process.argv[2] ?? join(import.meta.dir, '..', 'dist', 'anvat')
const runs = Number(process.argv[3] ?? 7)
const pollIntervalMs = 2
const pollDeadlineMs = 10_000
const workDirectory = mkdtempSync(join(tmpdir(), 'anvat-footprint-'))

type Sample = { readyMs: number; rssMebibytes: number; privateMebibytes: number; fileMebibytes: number }

/** Resident memory of a process, from /proc: total, anonymous, and mapped from files. */
function residentMemory(pid: number) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0) / 1024
  return { rssMebibytes: field('Rss'), privateMebibytes: field('Anonymous'), fileMebibytes: field('Rss') - field('Anonymous') }
}

async function once(command: string[], port: number): Promise<Sample> {
  const startedMs = performance.now()
  const child = Bun.spawn([...command, '--port', String(port), '--host', '127.0.0.1'], { env: { PATH: process.env.PATH ?? '' }, stdout: 'ignore' })
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.ok, () => false)
    if (ok) break
    if (performance.now() - startedMs > pollDeadlineMs) throw new Error(`${command[0]} did not answer /healthz within ${pollDeadlineMs} ms`)
    await Bun.sleep(pollIntervalMs)
  }
  const readyMs = performance.now() - startedMs
  await Bun.sleep(1000)
  const memory = residentMemory(child.pid)
  child.kill('SIGTERM')
  await child.exited
  return { readyMs, ...memory }
}

const randomPort = () => 20000 + Math.floor(Math.random() * 20000)
const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!

/** Builds the floor: the smallest compiled Bun server, with the flags `npm run build` uses. */
async function buildFloor(): Promise<string> {
  const source = join(workDirectory, 'floor.ts')
  writeFileSync(
    source,
    `const at = process.argv.indexOf('--port')
const server = Bun.serve({ hostname: '127.0.0.1', port: Number(process.argv[at + 1]), fetch: () => new Response('ok') })
process.on('SIGTERM', () => { server.stop(); process.exit(0) })
`,
  )
  const output = join(workDirectory, 'floor')
  const build = Bun.spawnSync([process.execPath, 'build', source, '--compile', '--bytecode', '--format=esm', '--outfile', output], { stdout: 'ignore' })
  if (build.exitCode !== 0) throw new Error(`building the floor server failed: ${build.stderr.toString()}`)
  return output
}

function report(label: string, file: string, samples: Sample[]) {
  const ready = samples.map((sample) => sample.readyMs)
  console.log(
    `${label.padEnd(22)} ${(statSync(file).size / 2 ** 20).toFixed(1).padStart(6)} MiB` +
      `  ready median ${median(ready).toFixed(0).padStart(4)} ms (${ready.map((value) => value.toFixed(0)).join(', ')})` +
      `  RSS ${median(samples.map((sample) => sample.rssMebibytes)).toFixed(1)} MiB` +
      ` = private ${median(samples.map((sample) => sample.privateMebibytes)).toFixed(1)}` +
      ` + file-backed ${median(samples.map((sample) => sample.fileMebibytes)).toFixed(1)}`,
  )
  return median(ready)
}

const floor = await buildFloor()
const floorSamples: Sample[] = []
const freshSamples: Sample[] = []
const restartSamples: Sample[] = []
// Interleaved, so a noisy moment on a shared machine lands on all three alike.
for (let run = 0; run < runs; run++) {
  floorSamples.push(await once([floor], randomPort()))
  const database = join(workDirectory, `ledger-${run}.db`)
  freshSamples.push(await once([binary, 'serve', '--db', database], randomPort()))
  restartSamples.push(await once([binary, 'serve', '--db', database], randomPort()))
}
console.log(`Bun ${Bun.version}, ${process.platform}-${process.arch}, ${navigator.hardwareConcurrency} cores, ${runs} runs each`)
const floorReady = report('floor (Bun.serve)', floor, floorSamples)
const freshReady = report('anvat, fresh ledger', binary, freshSamples)
const restartReady = report('anvat, restart', binary, restartSamples)
console.log(`ready over the floor: fresh +${(freshReady - floorReady).toFixed(0)} ms, restart +${(restartReady - floorReady).toFixed(0)} ms`)
