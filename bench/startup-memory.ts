/**
 * What the lazily loaded tokenizer costs, measured on the compiled binary (dist/anvat, built by `npm run build`) or,
 * without one, from source: time from spawn to listening and idle resident memory, then the first count_tokens on a
 * GPT model (which loads o200k) and a later one, and resident memory after. Start-up and idle figures that do not move
 * when the tokenizer is used are the point: nothing pays for it until a count needs it.
 *
 *   npm run build && npx bun bench/startup-memory.ts [runs]
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const runs = Number(process.argv[2] ?? 3)
const binary = join(import.meta.dir, '..', 'dist', 'anvat')
const command = existsSync(binary) ? [binary] : [process.execPath, join(import.meta.dir, '..', 'src', 'main.ts')]

function rssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024
}

async function once() {
  const directory = mkdtempSync(join(tmpdir(), 'anvat-startup-'))
  const database = join(directory, 'bench.db')
  const env = { PATH: process.env.PATH ?? '', OPENAI_API_KEY: 'sk-bench-not-used', ANTHROPIC_API_KEY: 'sk-ant-bench-not-used' }
  const created = Bun.spawnSync([...command, 'keys', 'create', '--name', 'bench', '--credit', '1', '--db', database], { env })
  const key = created.stdout.toString().trim().split('\n').at(-1) ?? ''
  const startedMs = performance.now()
  const child = Bun.spawn([...command, 'serve', '--port', '0', '--host', '127.0.0.1', '--db', database], { env, stdout: 'pipe' })
  const reader = child.stdout.getReader()
  let output = ''
  while (!output.includes('msg=listening')) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`serve exited: ${output}`)
    output += new TextDecoder().decode(value)
  }
  const readyMs = performance.now() - startedMs
  void (async () => {
    for (;;) if ((await reader.read()).done) return
  })()
  const url = /url=(\S+)/.exec(output)![1]!
  await Bun.sleep(1000)
  const idleMegabytes = rssMegabytes(child.pid)
  const count = async (text: string) => {
    const begin = performance.now()
    const response = await fetch(`${url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: text }] }),
    })
    if (response.headers.get('x-anvat-token-count') !== 'estimate') throw new Error(`not an estimate: ${response.status} ${await response.text()}`)
    await response.json()
    return performance.now() - begin
  }
  const firstCountMs = await count('How many tokens is this?')
  const laterCountMs = await count('And how many is this one, a little longer?')
  await Bun.sleep(500)
  const loadedMegabytes = rssMegabytes(child.pid)
  child.kill('SIGTERM')
  await child.exited
  return { readyMs, idleMegabytes, firstCountMs, laterCountMs, loadedMegabytes }
}

console.log(`${command.length === 1 ? 'compiled binary' : 'from source'}, Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores`)
console.log('run | spawn → listening ms | idle RSS MB | first count ms | later count ms | RSS after counts MB')
for (let run = 1; run <= runs; run++) {
  const result = await once()
  console.log(
    `${run} | ${result.readyMs.toFixed(0)} | ${result.idleMegabytes.toFixed(1)} | ${result.firstCountMs.toFixed(0)} | ${result.laterCountMs.toFixed(1)} | ${result.loadedMegabytes.toFixed(1)}`,
  )
}
