/**
 * Graceful shutdown of `anvat serve`, run as an operator runs it: SIGTERM during a slow stream lets the stream finish
 * and be billed while new connections are refused; `--drain-seconds` bounds the wait, and a cut stream is billed as
 * partial with no hold left open; a second signal cuts at once. Readiness fails during the drain, and when the
 * ledger's database stops answering.
 */
import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGateway } from '../../src/cli/serve.ts'
import { loadConfig } from '../../src/config/load.ts'
import { costMicrosOf, eventually } from '../support/billing.ts'
import { sseReply, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { startHranaServer } from '../support/hrana-server.ts'
import { splitCostTrailer } from '../support/sdk-traffic.ts'
import { mainPath, spawnServe, type ServeProcess } from '../support/serve-process.ts'

const directory = mkdtempSync(join(tmpdir(), 'anvat-shutdown-'))
const pricing = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 }
const creditMicros = 1_000_000
const servers: ServeProcess[] = []
let upstream: FakeUpstream
let fixture: string
let configPath: string

beforeAll(async () => {
  upstream = await startFakeUpstream()
  fixture = await readFixture('upstream/anthropic/text.stream.sse')
  configPath = join(directory, 'config.json')
  writeFileSync(configPath, JSON.stringify(gatewayConfig()))
})
afterAll(async () => {
  for (const server of servers) server.process.kill('SIGKILL')
  await upstream.stop()
  rmSync(directory, { recursive: true, force: true })
})

function gatewayConfig() {
  return {
    providers: [{ id: 'anthropic', type: 'anthropic', baseUrl: upstream.url, apiKey: upstream.anthropicKey }],
    models: [{ id: 'claude-sonnet-4-6', provider: 'anthropic', pricing }],
  }
}

/** Runs `anvat …` from source; asynchronous, so an in-process Hrana server can answer it. */
async function anvat(args: string[]) {
  const child = Bun.spawn([process.execPath, mainPath, ...args], { cwd: directory, env: { PATH: process.env.PATH ?? '' }, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  return { exitCode, stdout, stderr }
}

/** A fresh ledger file with one $1 key, and `anvat serve` on it. */
async function serveWithKey(name: string, extraArgs: string[] = []): Promise<{ server: ServeProcess; key: string; databasePath: string }> {
  const databasePath = join(directory, `${name}.db`)
  const created = await anvat(['keys', 'create', '--name', name, '--credit', '1', '--db', databasePath])
  expect(created.exitCode).toBe(0)
  const server = await spawnServe(['--db', databasePath, '--config', configPath, ...extraArgs], directory)
  servers.push(server)
  return { server, key: created.stdout.trimEnd().split('\n').at(-1)!, databasePath }
}

/** Starts a streamed Messages request whose upstream sends one event every `chunkDelayMs`. */
async function startStream(url: string, key: string, chunkDelayMs: number): Promise<Response> {
  upstream.enqueue(sseReply(fixture, { chunkDelayMs }))
  const body = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 1000, stream: true, messages: [{ role: 'user', content: 'Hi' }] })
  const response = await fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': key }, body })
  expect(response.status).toBe(200)
  return response
}

/** Reads a stream until `marker` has arrived, then goes on reading the rest in the background. */
async function readUntil(response: Response, marker: string): Promise<{ rest: Promise<string | Error> }> {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  while (!text.includes(marker)) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`stream ended before ${marker}: ${text}`)
    text += decoder.decode(value, { stream: true })
  }
  const rest = (async () => {
    for (let result = await reader.read(); !result.done; result = await reader.read()) text += decoder.decode(result.value, { stream: true })
    return text
  })()
  return { rest: rest.catch((error: Error) => error) }
}

/** What a connection attempt to `url` meets: `answered` with a status, or the error code. */
async function attempt(url: string): Promise<string> {
  return fetch(url, { keepalive: false }).then(
    (response) => `answered ${response.status}`,
    (error: { code?: string }) => String(error.code),
  )
}

/** The books of the only account in a ledger file, read once the gateway has exited. */
function booksOf(databasePath: string) {
  const database = new Database(databasePath, { readonly: true })
  try {
    return {
      balanceMicros: (database.query('SELECT balance_micros FROM accounts').get() as { balance_micros: number }).balance_micros,
      entries: database.query('SELECT kind, amount_micros FROM ledger_entries WHERE request_id IS NOT NULL ORDER BY kind').all() as Array<{ kind: string; amount_micros: number }>,
      openHolds: (database.query('SELECT COUNT(*) AS count FROM open_reservations').get() as { count: number }).count,
      records: database.query('SELECT outcome, partial, cost_micros FROM usage_records').all() as Array<{ outcome: string; partial: number; cost_micros: number }>,
    }
  } finally {
    database.close()
  }
}

describe('SIGTERM', () => {
  test('during a stream: the stream completes byte for byte and is billed, new connections are refused, exit 0', async () => {
    const { server, key, databasePath } = await serveWithKey('drain')
    // Ten events 250 ms apart: the stream runs about 2.5 s, most of it after the signal.
    const response = await startStream(server.url, key, 250)
    const text = response.text()
    server.process.kill('SIGTERM')
    await eventually(() => server.output().includes('msg=draining'), 'the drain to start')
    expect(server.output()).toContain('msg=draining signal=SIGTERM in_flight=1 timeout_ms=30000')

    // Refused before a byte is sent: nothing reaches the gateway, so nothing is reserved or sent upstream.
    expect(await attempt(`${server.url}/v1/messages`)).toBe('ECONNREFUSED')
    expect(await attempt(`${server.url}/readyz`)).toBe('ECONNREFUSED')
    expect(upstream.received).toHaveLength(1)

    const { relayed, costUsd } = splitCostTrailer(await text)
    expect(relayed).toBe(fixture)
    expect(await server.exited).toBe(0)
    expect(server.output()).toMatch(/level=info msg=stopped outcome=drained cut=0 duration_ms=\d+\n$/)
    const books = booksOf(databasePath)
    expect(books.balanceMicros).toBe(creditMicros - costMicrosOf(costUsd))
    expect(books.openHolds).toBe(0)
    expect(books.records).toEqual([{ outcome: 'completed', partial: 0, cost_micros: costMicrosOf(costUsd) }])
  }, 15_000)

  test('--drain-seconds 1 cuts a longer stream at the deadline, bills it as partial and exits 0', async () => {
    const { server, key, databasePath } = await serveWithKey('deadline', ['--drain-seconds', '1'])
    // Ten events 500 ms apart: about 5 s, far past the deadline.
    const response = await startStream(server.url, key, 500)
    const { rest } = await readUntil(response, 'content_block_delta')
    const signalledMs = Date.now()
    server.process.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(Date.now() - signalledMs).toBeGreaterThanOrEqual(1000)
    // Cut at the deadline, not drained: the stream itself would run about 5 s.
    expect(server.output()).toMatch(/level=warn msg=stopped outcome=deadline cut=1 duration_ms=\d+\n$/)
    // The client's stream ends short of the upstream's.
    const received = await rest
    if (typeof received === 'string') expect(received.length).toBeLessThan(fixture.length)

    const books = booksOf(databasePath)
    expect(books.openHolds).toBe(0)
    expect(books.records).toHaveLength(1)
    expect(books.records[0]).toMatchObject({ outcome: 'client-aborted', partial: 1 })
    const charged = books.records[0]!.cost_micros
    expect(charged).toBeGreaterThan(0)
    expect(books.entries.map((entry) => entry.kind)).toEqual(['release', 'reserve', 'settle'])
    expect(books.balanceMicros).toBe(creditMicros - charged)
  }, 15_000)

  test('a second signal cuts the drain short at once; the cut stream is still billed and the exit is 0', async () => {
    const { server, key, databasePath } = await serveWithKey('second-signal')
    const response = await startStream(server.url, key, 500)
    const { rest } = await readUntil(response, 'content_block_delta')
    server.process.kill('SIGTERM')
    await eventually(() => server.output().includes('msg=draining'), 'the drain to start')
    server.process.kill('SIGINT')
    expect(await server.exited).toBe(0)
    // Cut by the second signal, not drained to the end nor at the 30 s deadline (the stream would run about 5 s).
    expect(server.output()).toMatch(/level=warn msg=stopped outcome=signal cut=1 duration_ms=\d+\n$/)
    await rest
    const books = booksOf(databasePath)
    expect(books.openHolds).toBe(0)
    expect(books.records).toMatchObject([{ outcome: 'client-aborted', partial: 1 }])
    expect(books.balanceMicros).toBe(creditMicros - books.records[0]!.cost_micros)
  }, 15_000)

  test('with nothing in flight, the exit is immediate', async () => {
    const { server } = await serveWithKey('idle')
    server.process.kill('SIGINT')
    expect(await server.exited).toBe(0)
    expect(server.output()).toContain('msg=draining signal=SIGINT in_flight=0')
    expect(server.output()).toContain('msg=stopped outcome=drained cut=0')
  })
})

describe('readiness', () => {
  test('/readyz is 503 from the moment the drain starts, while a stream still runs', async () => {
    const databasePath = join(directory, 'in-process.db')
    const created = await anvat(['keys', 'create', '--name', 'in-process', '--credit', '1', '--db', databasePath])
    const key = created.stdout.trimEnd().split('\n').at(-1)!
    const loaded = loadConfig(JSON.stringify(gatewayConfig()), {})
    if (!loaded.ok) throw new Error(loaded.errors.join('; '))
    const lines: string[] = []
    const handle = await startGateway({
      config: loaded.config,
      hostname: '127.0.0.1',
      port: 0,
      ledgerLocation: { path: databasePath },
      adminToken: undefined,
      logLevel: 'info',
      drainTimeoutMs: 30_000,
      io: { stdout: (line) => lines.push(line), stderr: (line) => lines.push(line), env: {} },
      now: Date.now,
    })
    const probe = (path: string) => handle.gateway.app.handle(new Request(`http://anvat.test${path}`))
    expect((await probe('/readyz')).status).toBe(200)
    const response = await startStream(handle.url, key, 200)
    const stopped = handle.stop('SIGTERM')
    const ready = await probe('/readyz')
    expect(ready.status).toBe(503)
    expect(await ready.json()).toEqual({ status: 'draining' })
    expect((await probe('/healthz')).status).toBe(200)
    expect(await attempt(`${handle.url}/readyz`)).toBe('ECONNREFUSED')
    expect(splitCostTrailer(await response.text()).relayed).toBe(fixture)
    expect(await stopped).toEqual({ outcome: 'drained', cutCount: 0 })
    expect(handle.stop()).toBe(stopped)
  }, 15_000)

  test('/readyz is 503 naming the database once a libSQL ledger stops answering; /healthz stays 200', async () => {
    const hrana = startHranaServer({ databasePath: join(directory, 'hrana.db') })
    const server = await spawnServe(['--database-url', hrana.url, '--config', configPath], directory)
    servers.push(server)
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
    await hrana.stop()
    // A success is reused for a second, so the failure shows on a probe after that.
    let last: Response | undefined
    await eventually(async () => (last = await fetch(`${server.url}/readyz`)).status === 503, 'readiness to fail')
    expect(await last!.json()).toEqual({ status: 'unavailable', reason: 'database' })
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect(server.output()).toContain('msg="readiness: database unavailable"')
    server.process.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  }, 15_000)
})
