import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnServe } from '../support/serve-process.ts'

const directory = mkdtempSync(join(tmpdir(), 'anvat-cli-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const mainPath = join(import.meta.dir, '../../src/main.ts')

/** Runs `anvat …` from source with a clean environment, as the compiled binary would run. */
function anvat(args: string[], env: Record<string, string> = {}) {
  const result = Bun.spawnSync([process.execPath, mainPath, ...args], { cwd: directory, env: { PATH: process.env.PATH ?? '', ...env } })
  return { exitCode: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() }
}

describe('command line', () => {
  test('--help, --version and per-command help', () => {
    expect(anvat(['--help'])).toMatchObject({ exitCode: 0, stdout: expect.stringContaining('anvat serve [--port 8080]') })
    expect(anvat(['--version']).stdout).toMatch(/^anvat \d+\.\d+\.\d+\n$/)
    const serveHelp = anvat(['serve', '--help'])
    expect(serveHelp.exitCode).toBe(0)
    expect(serveHelp.stdout).toContain('ANVAT_PORT')
    expect(serveHelp.stdout).toContain('--drain-seconds N  on SIGTERM or SIGINT')
    expect(anvat(['keys', '--help'])).toMatchObject({ exitCode: 0, stdout: expect.stringContaining('keys create --name NAME --credit USD') })
  })

  test('unknown commands and flags fail clearly with exit 64', () => {
    expect(anvat(['frobnicate'])).toMatchObject({ exitCode: 64, stderr: expect.stringContaining("unknown command 'frobnicate'") })
    expect(anvat(['--frobnicate'])).toMatchObject({ exitCode: 64, stderr: expect.stringContaining("'--frobnicate'") })
    expect(anvat(['serve', '--prot', '1'])).toMatchObject({ exitCode: 64, stderr: expect.stringContaining('--prot') })
    expect(anvat(['keys', 'create', '--name', 'x', '--credit', 'lots'])).toMatchObject({ exitCode: 64, stderr: expect.stringContaining('--credit') })
    expect(anvat(['serve', '--port', '70000'])).toMatchObject({ exitCode: 64 })
    expect(anvat(['serve', '--log-level', 'loud'])).toMatchObject({ exitCode: 64 })
  })

  test('--drain-seconds (or ANVAT_DRAIN_SECONDS) must be a whole number from 0 to 3600, else exit 64', () => {
    for (const drainSeconds of ['-1', '3601', '1.5', '']) {
      expect(anvat(['serve', `--drain-seconds=${drainSeconds}`])).toMatchObject({
        exitCode: 64,
        stderr: `anvat: --drain-seconds must be a whole number from 0 to 3600, got '${drainSeconds}'\nRun 'anvat serve --help' for usage.\n`,
      })
    }
    expect(anvat(['serve'], { ANVAT_DRAIN_SECONDS: 'forever' })).toMatchObject({ exitCode: 64, stderr: expect.stringContaining("got 'forever'") })
  })

  test('a bad config stops serve at start, naming the field', () => {
    const configPath = join(directory, 'bad.json')
    writeFileSync(configPath, JSON.stringify({ providers: [], models: [{ id: 'm', provider: 'mock', pricing: { input: -1, output: 1 } }] }))
    const result = anvat(['serve', '--config', configPath, '--db', join(directory, 'bad.db')])
    expect(result.exitCode).toBe(78)
    expect(result.stderr).toContain('models[0].pricing.input')
    expect(anvat(['serve'], { ANVAT_CONFIG: join(directory, 'missing.json') }).exitCode).toBe(78)
  })

  test('keys create prints the key as the last stdout line; list and revoke manage it', () => {
    const database = join(directory, 'keys.db')
    const created = anvat(['keys', 'create', '--name', 'ci', '--credit', '2.5', '--rpm', '5', '--concurrency', '2', '--window-spend-usd', '1', '--db', database])
    expect(created.exitCode).toBe(0)
    const key = created.stdout.trimEnd().split('\n').at(-1)!
    expect(key).toMatch(/^anv_[0-9A-Za-z]{40}$/)
    const listed = JSON.parse(anvat(['keys', 'list', '--json'], { ANVAT_DB: database }).stdout)
    expect(listed).toHaveLength(1)
    expect(listed[0]).toMatchObject({ name: 'ci', prefix: key.slice(0, 12), balance_usd: '2.5', rpm: 5, concurrency: 2, window_spend_usd: '1', revoked_at: null })
    expect(JSON.stringify(listed)).not.toContain(key)
    expect(anvat(['keys', 'revoke', listed[0].id, '--db', database]).exitCode).toBe(0)
    expect(anvat(['keys', 'revoke', listed[0].id, '--db', database]).exitCode).toBe(65)
    expect(anvat(['keys', 'list', '--db', database]).stdout).toContain('revoked')
  })

  test('serve answers with a stored key, logs one line per request, and drains on SIGTERM', async () => {
    const database = join(directory, 'serve.db')
    const key = anvat(['keys', 'create', '--name', 'serve', '--credit', '1', '--db', database]).stdout.trimEnd().split('\n').at(-1)!
    const server = await spawnServe(['--db', database], directory)
    const url = server.url
    const response = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key },
      body: JSON.stringify({ model: 'anvat-echo', max_tokens: 20, messages: [{ role: 'user', content: 'from the cli test' }] }),
    })
    expect(response.status).toBe(200)
    expect((await response.json()) as object).toMatchObject({ content: [{ type: 'text', text: 'Echo: from the cli test' }] })
    server.process.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    const output = server.output()
    expect(output).toMatch(/msg=request method=POST path=\/v1\/messages status=200 model=anvat-echo duration_ms=\d+/)
    expect(output).toContain('msg=stopped')
    expect(output).not.toContain(key)
  })
})
