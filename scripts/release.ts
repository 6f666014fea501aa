/**
 * Release binaries: cross-compiles src/main.ts for every Bun compile target into dist/release/anvat-<version>-<target>
 * (.exe on Windows) and writes dist/release/SHA256SUMS (sha256sum format) for the ones that built. The version is
 * package.json's, which `anvat --version` prints from the bundle. The host's binary is smoke-tested: --version, keys
 * create, serve, /healthz, one anvat-echo request, SIGTERM → exit 0.
 *
 *   npx bun scripts/release.ts [target…]     (npm run release; no target given: all of them)
 *
 * Bun fetches each foreign target's runtime from the npm registry (@oven/bun-<os>-<arch>) on first use. A target that
 * does not build is named with Bun's message and left out of SHA256SUMS; the run still writes the others. Exit code:
 * 1 if the host target (when asked for) fails to build or its smoke test fails, 2 if only foreign targets failed.
 *
 * Flags: --minify and --sourcemap (the map is embedded, so stack traces name source lines) on every target;
 * --bytecode (with --format=esm, which it needs for a top-level await) precompiles to JavaScriptCore bytecode, which
 * starts faster but makes the binary ~6 MiB larger. The embedded assets (`with { type: 'text' | 'file' }`: migrations,
 * swagger-ui, the OpenAPI document) survive all three: the smoke test serves and migrates from inside the binary.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dir, '..')
const version: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
const outDirectory = join(root, 'dist', 'release')
const allTargets = [
  'bun-linux-x64',
  'bun-linux-arm64',
  'bun-linux-x64-musl',
  'bun-linux-arm64-musl',
  'bun-darwin-x64',
  'bun-darwin-arm64',
  'bun-windows-x64',
] as const
const hostTarget = `bun-${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`
const smokeTimeoutMs = 15_000

const asked = process.argv.slice(2)
const targets = asked.length > 0 ? asked : [...allTargets]
mkdirSync(outDirectory, { recursive: true })

type Outcome = { target: string; file: string; ok: true } | { target: string; ok: false; reason: string }

function build(target: string): Outcome {
  const file = `anvat-${version}-${target.replace(/^bun-/, '')}${target.includes('windows') ? '.exe' : ''}`
  const outfile = join(outDirectory, file)
  rmSync(outfile, { force: true })
  const flags = ['--minify', '--sourcemap', '--bytecode', '--format=esm']
  const result = Bun.spawnSync(
    [process.execPath, 'build', join(root, 'src', 'main.ts'), join(root, 'src', 'ledger', 'sqlite-writer.ts'), '--compile', `--target=${target}`, ...flags,
      '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig', '--outfile', outfile],
    { cwd: root, stdout: 'pipe', stderr: 'pipe' },
  )
  rmSync(`${outfile}.map`, { force: true }) // the map is embedded; the loose copy is not an artifact
  if (result.exitCode !== 0) {
    const reason = `${result.stderr.toString()}${result.stdout.toString()}`.trim().split('\n').slice(-3).join(' | ')
    return { target, ok: false, reason }
  }
  return { target, file, ok: true }
}

async function smoke(binary: string): Promise<void> {
  const directory = join(outDirectory, '.smoke')
  rmSync(directory, { recursive: true, force: true })
  mkdirSync(directory)
  const database = join(directory, 'smoke.db')
  const env = { PATH: process.env.PATH ?? '' }
  const versionOut = Bun.spawnSync([binary, '--version'], { env }).stdout.toString().trim()
  if (versionOut !== `anvat ${version}`) throw new Error(`--version printed "${versionOut}"`)
  const key = Bun.spawnSync([binary, 'keys', 'create', '--name', 'smoke', '--credit', '1', '--db', database], { env })
    .stdout.toString().trim().split('\n').at(-1) ?? ''
  if (!key.startsWith('anv_')) throw new Error(`keys create printed no key`)
  const child = Bun.spawn([binary, 'serve', '--port', '0', '--host', '127.0.0.1', '--db', database], { env, stdout: 'pipe' })
  const timer = setTimeout(() => child.kill('SIGKILL'), smokeTimeoutMs)
  try {
    const reader = child.stdout.getReader()
    let output = ''
    while (!/url=\S+/.test(output)) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`serve exited: ${output}`)
      output += new TextDecoder().decode(value)
    }
    void (async () => {
      for (;;) if ((await reader.read()).done) return
    })()
    const url = /url=(\S+)/.exec(output)![1]!
    if ((await fetch(`${url}/healthz`)).status !== 200) throw new Error('/healthz is not 200')
    const echo = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anvat-echo', max_tokens: 16, messages: [{ role: 'user', content: 'release' }] }),
    })
    const body = await echo.text()
    if (echo.status !== 200 || !body.includes('Echo: release') || !echo.headers.get('x-anvat-cost-usd')) {
      throw new Error(`anvat-echo answered ${echo.status}: ${body}`)
    }
    if ((await fetch(`${url}/swagger`)).status !== 200) throw new Error('/swagger (embedded swagger-ui) is not 200')
    child.kill('SIGTERM')
    const exitCode = await child.exited
    if (exitCode !== 0) throw new Error(`SIGTERM exit code ${exitCode}`)
  } finally {
    clearTimeout(timer)
    child.kill('SIGKILL')
    rmSync(directory, { recursive: true, force: true })
  }
}

const outcomes: Outcome[] = []
for (const target of targets) {
  const outcome = build(target)
  outcomes.push(outcome)
  console.log(outcome.ok ? `built   ${target} → dist/release/${outcome.file}` : `FAILED  ${target}: ${outcome.reason}`)
}

const built = outcomes.filter((outcome) => outcome.ok)
const sums = built.map((outcome) => {
  const digest = createHash('sha256').update(readFileSync(join(outDirectory, outcome.file))).digest('hex')
  return `${digest}  ${outcome.file}\n`
})
writeFileSync(join(outDirectory, 'SHA256SUMS'), sums.join(''))
console.log(`wrote dist/release/SHA256SUMS (${built.length} of ${outcomes.length} targets)`)

let exitCode = outcomes.some((outcome) => !outcome.ok) ? 2 : 0
const host = outcomes.find((outcome) => outcome.target === hostTarget)
if (host !== undefined) {
  if (!host.ok) exitCode = 1
  else {
    const smoked = await smoke(join(outDirectory, host.file)).catch((error: Error) => error)
    console.log(smoked instanceof Error ? `FAILED  smoke ${hostTarget}: ${smoked.message}` : `smoke   ${hostTarget}: ok`)
    if (smoked instanceof Error) exitCode = 1
  }
}
process.exit(exitCode)
