/**
 * The ledger commands from the command line, against a local file (`--db`) and a shared libSQL database
 * (`--database-url`, here the test Hrana server): `migrate` applies once and then says the schema is up to date,
 * `credit add` tops up, `credit show` lists the entries. Then a crash: a gateway killed with SIGKILL while it holds
 * credit for a hanging stream leaves a hold that the next gateway on the same ledger releases, so the crash between
 * reserve and settle charges nothing and locks nothing.
 */
import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { estimateInputTokens } from '../../src/translate/estimate-input.ts'
import { eventually } from '../support/billing.ts'
import { sseReply, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { spawnServe } from '../support/serve-process.ts'
import { startHranaServer, type HranaServer } from '../support/hrana-server.ts'
import { migrations } from '../../src/ledger/migrations.ts'

const mainPath = join(import.meta.dir, '../../src/main.ts')
const directory = mkdtempSync(join(tmpdir(), 'anvat-ledger-cli-'))
const migrationTags = migrations.map((migration) => migration.tag).join(', ')
const servers: Array<ReturnType<typeof Bun.spawn>> = []
const hranaServers: HranaServer[] = []

afterAll(async () => {
  for (const server of servers) server.kill('SIGKILL')
  for (const server of hranaServers) await server.stop()
  rmSync(directory, { recursive: true, force: true })
})

/**
 * Runs `anvat …` from source with a clean environment. Asynchronous on purpose: the Hrana server runs in this
 * process, and a synchronous spawn would stop it from answering the command it is waiting for.
 */
async function anvat(args: string[], env: Record<string, string> = {}) {
  const child = Bun.spawn([process.execPath, mainPath, ...args], { cwd: directory, env: { PATH: process.env.PATH ?? '', ...env }, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  return { exitCode, stdout, stderr }
}

/** A fresh Hrana server over its own database file. */
function startHrana(name: string): { url: string; databasePath: string } {
  const databasePath = join(directory, `${name}.db`)
  const server = startHranaServer({ databasePath })
  hranaServers.push(server)
  return { url: server.url, databasePath }
}

/** Creates a key with `keys create` and returns its id (from `keys list --json`) and the key. */
async function createKey(ledgerFlags: string[], creditUsd: string): Promise<{ id: string; key: string }> {
  const created = await anvat(['keys', 'create', '--name', 'cli', '--credit', creditUsd, ...ledgerFlags])
  expect(created.exitCode).toBe(0)
  const key = created.stdout.trimEnd().split('\n').at(-1)!
  const listed = JSON.parse((await anvat(['keys', 'list', '--json', ...ledgerFlags])).stdout) as Array<{ id: string; prefix: string }>
  return { id: listed.find((entry) => key.startsWith(entry.prefix))!.id, key }
}

type CreditShow = { key: string; balance_usd: string; entries: Array<{ id: string; kind: string; amount_usd: string; request_id: string | null; note: string | null }> }

describe.each([
  ['--db', () => ({ flags: ['--db', join(directory, 'local.db')], location: join(directory, 'local.db'), databasePath: join(directory, 'local.db') })],
  [
    '--database-url',
    () => {
      const hrana = startHrana('shared')
      return { flags: ['--database-url', hrana.url], location: hrana.url, databasePath: hrana.databasePath }
    },
  ],
] as const)('ledger commands with %s', (_flag, locate) => {
  let ledger: { flags: string[]; location: string; databasePath: string }
  beforeAll(() => {
    ledger = locate()
  })

  test('migrate applies every migration once, then reports the schema up to date', async () => {
    const first = await anvat(['migrate', ...ledger.flags])
    expect(first).toMatchObject({ exitCode: 0, stderr: '' })
    expect(first.stdout).toBe(`Applied to ${ledger.location}: ${migrationTags}\n`)
    const second = await anvat(['migrate', ...ledger.flags])
    expect(second).toMatchObject({ exitCode: 0, stdout: `${ledger.location} is up to date.\n` })
    const database = new Database(ledger.databasePath, { readonly: true })
    try {
      expect(database.query('SELECT tag FROM anvat_migrations ORDER BY tag').all()).toEqual(migrationTags.split(', ').map((tag) => ({ tag })))
    } finally {
      database.close()
    }
  })

  test('credit add tops up a key, and credit show lists the balance and entries, as text and JSON', async () => {
    const { id } = await createKey(ledger.flags, '1')
    const added = await anvat(['credit', 'add', '--key', id, '--usd', '2.5', '--note', 'invoice 42', ...ledger.flags])
    expect(added.exitCode).toBe(0)
    expect(added.stdout).toMatch(new RegExp(`^Added \\$2\\.5 to ${id} \\(entry topup_[0-9A-Za-z]{20}\\); balance \\$3\\.5\\.\\n$`))

    const shown = await anvat(['credit', 'show', '--key', id, '--json', ...ledger.flags])
    expect(shown.exitCode).toBe(0)
    const show = JSON.parse(shown.stdout) as CreditShow
    expect(show.key).toBe(id)
    expect(show.balance_usd).toBe('3.5')
    expect(show.entries.map(({ kind, amount_usd, note }) => ({ kind, amount_usd, note }))).toEqual([
      { kind: 'top-up', amount_usd: '2.5', note: 'invoice 42' },
      { kind: 'grant', amount_usd: '1', note: 'opening grant' },
    ])
    const text = await anvat(['credit', 'show', '--key', id, ...ledger.flags])
    expect(text.stdout.split('\n')[0]).toBe(`Key ${id} (cli): balance $3.5`)
    expect(text.stdout).toContain('invoice 42')

    // The top-up landed in this ledger, and no stray ./anvat.db was made beside it.
    const database = new Database(ledger.databasePath, { readonly: true })
    try {
      const row = database.query('SELECT a.balance_micros AS balance FROM accounts a JOIN api_keys k ON k.account_id = a.id WHERE k.id = ?').get(id)
      expect(row).toEqual({ balance: 3_500_000 })
    } finally {
      database.close()
    }
    expect(existsSync(join(directory, 'anvat.db'))).toBe(false)
  })

  test('credit add --pack grants a pack of the config as an operator payment, and refuses a pack it does not list', async () => {
    const { id } = await createKey(ledger.flags, '1')
    const configPath = join(directory, 'packs.json')
    writeFileSync(configPath, JSON.stringify({ providers: [], models: [], packs: [{ id: 'p10', priceUsd: 10, creditUsd: 20 }] }))
    const granted = await anvat(['credit', 'add', '--key', id, '--pack', 'p10', '--config', configPath, ...ledger.flags])
    expect(granted.exitCode).toBe(0)
    expect(granted.stdout).toMatch(new RegExp(`^Granted pack p10 \\(\\$20\\) to ${id} \\(payment operator:[0-9A-Za-z]{20}\\); balance \\$21\\.\\n$`))
    const show = JSON.parse((await anvat(['credit', 'show', '--key', id, '--json', ...ledger.flags])).stdout) as CreditShow
    expect(show.entries[0]).toMatchObject({ kind: 'top-up', amount_usd: '20', note: 'pack p10, granted by the operator' })
    expect(await anvat(['credit', 'add', '--key', id, '--pack', 'p99', '--config', configPath, ...ledger.flags])).toMatchObject({ exitCode: 64, stderr: expect.stringContaining("no pack 'p99'") })
    expect(await anvat(['credit', 'add', '--key', id, '--pack', 'p10', ...ledger.flags])).toMatchObject({ exitCode: 64, stderr: expect.stringContaining('--config FILE') })
  })

  test('audit passes on books that hold, exits 65 naming the problem when a balance was edited, and speaks JSON', async () => {
    const { id } = await createKey(ledger.flags, '3')
    expect(await anvat(['credit', 'add', '--key', id, '--usd', '1', ...ledger.flags])).toMatchObject({ exitCode: 0 })
    const clean = await anvat(['audit', ...ledger.flags])
    expect(clean.stdout).toContain('The books hold')
    expect(clean.exitCode).toBe(0)
    const database = new Database(ledger.databasePath)
    try {
      database.run('UPDATE accounts SET balance_micros = balance_micros + 7 WHERE id = (SELECT account_id FROM api_keys WHERE id = ?)', [id])
    } finally {
      database.close()
    }
    const broken = await anvat(['audit', ...ledger.flags])
    expect(broken.exitCode).toBe(65)
    expect(broken.stdout).toContain('balance-mismatch: 1')
    expect(broken.stdout).toMatch(/balance 4000007 µ\$, entries sum to 4000000 µ\$/)
    const json = JSON.parse((await anvat(['audit', '--json', ...ledger.flags])).stdout) as { ok: boolean; problemCounts: Record<string, number> }
    expect(json).toMatchObject({ ok: false, problemCounts: { 'balance-mismatch': 1 } })
    const repair = new Database(ledger.databasePath)
    try {
      repair.run('UPDATE accounts SET balance_micros = balance_micros - 7 WHERE id = (SELECT account_id FROM api_keys WHERE id = ?)', [id])
    } finally {
      repair.close()
    }
    expect((await anvat(['audit', ...ledger.flags])).exitCode).toBe(0)
  })

  test('credit refuses a missing amount, a zero amount and an unknown key', async () => {
    const { id } = await createKey(ledger.flags, '1')
    expect(await anvat(['credit', 'add', '--key', id, ...ledger.flags])).toMatchObject({ exitCode: 64, stderr: expect.stringContaining('--usd') })
    expect((await anvat(['credit', 'add', '--key', id, '--usd', '0', ...ledger.flags])).exitCode).toBe(64)
    expect(await anvat(['credit', 'add', '--key', 'key_missing', '--usd', '1', ...ledger.flags])).toMatchObject({ exitCode: 65, stderr: expect.stringContaining('key_missing') })
    const show = JSON.parse((await anvat(['credit', 'show', '--key', id, '--json', ...ledger.flags])).stdout) as CreditShow
    expect(show.balance_usd).toBe('1')
  })
})

test('ANVAT_DATABASE_URL stands in for --database-url', async () => {
  const hrana = startHrana('from-env')
  const env = { ANVAT_DATABASE_URL: hrana.url }
  expect((await anvat(['migrate'], env)).stdout).toBe(`Applied to ${hrana.url}: ${migrationTags}\n`)
  expect((await anvat(['migrate'], env)).stdout).toBe(`${hrana.url} is up to date.\n`)
  expect(existsSync(join(directory, 'anvat.db'))).toBe(false)
})

describe('a gateway killed mid-request', () => {
  let upstream: FakeUpstream
  beforeAll(async () => {
    upstream = await startFakeUpstream()
  })
  afterAll(() => upstream.stop())

  /** Starts `anvat serve` on the ledger and returns its URL once it listens. */
  async function serve(databasePath: string, configPath: string): Promise<{ url: string; process: ReturnType<typeof Bun.spawn> }> {
    const server = await spawnServe(['--db', databasePath, '--config', configPath], directory)
    servers.push(server.process)
    return server
  }

  async function balanceMicros(url: string, key: string): Promise<number> {
    const response = await fetch(`${url}/v1/balance`, { headers: { 'x-api-key': key } })
    expect(response.status).toBe(200)
    return Math.round(((await response.json()) as { balance_usd: number }).balance_usd * 1_000_000)
  }

  test('SIGKILL between reserve and settle: the next gateway releases the hold, charging nothing', async () => {
    const databasePath = join(directory, 'crash.db')
    const configPath = join(directory, 'crash.json')
    const pricing = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 }
    writeFileSync(
      configPath,
      JSON.stringify({
        providers: [{ id: 'anthropic', type: 'anthropic', baseUrl: upstream.url, apiKey: upstream.anthropicKey }],
        models: [{ id: 'claude-sonnet-4-6', provider: 'anthropic', pricing }],
        // A process silent for 200 ms is dead; sweep every 100 ms.
        limits: { instanceTimeoutMs: 200, sweepIntervalMs: 100 },
      }),
    )
    const { id, key } = await createKey(['--db', databasePath], '1')
    const first = await serve(databasePath, configPath)

    const fixture = await readFixture('upstream/anthropic/text.stream.sse')
    upstream.enqueue(sseReply(fixture, { eventsMax: 5, hangAfterChunks: true }))
    const body = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 1000, stream: true, messages: [{ role: 'user', content: 'Hi' }] })
    const response = await fetch(`${first.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': key }, body })
    expect(response.status).toBe(200)
    const reader = response.body!.getReader()
    let text = ''
    while (text.split('\n\n').length - 1 < 5) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`stream ended early: ${text}`)
      text += new TextDecoder().decode(value, { stream: true })
    }
    // The hold is the input estimate at the dearest input rate plus every allowed output token.
    const holdMicros = Math.ceil((estimateInputTokens(body) * 3_750_000 + 1000 * 15_000_000) / 1_000_000)
    expect(await balanceMicros(first.url, key)).toBe(1_000_000 - holdMicros)

    first.process.kill('SIGKILL')
    await first.process.exited
    // The client sees its stream end abruptly; what it read is all it gets.
    await reader.read().then(
      ({ done }) => expect(done).toBe(true),
      (error: unknown) => expect(error).toBeInstanceOf(Error),
    )

    const second = await serve(databasePath, configPath)
    await eventually(async () => (await balanceMicros(second.url, key)) === 1_000_000, 'the second gateway to release the dead one’s hold')

    const show = JSON.parse((await anvat(['credit', 'show', '--key', id, '--json', '--db', databasePath])).stdout) as CreditShow
    const requestEntries = show.entries.filter((entry) => entry.request_id !== null)
    const micros = (usd: string) => Math.round(Number(usd) * 1_000_000)
    expect(requestEntries.map((entry) => [entry.kind, micros(entry.amount_usd)]).sort()).toEqual([
      ['release', holdMicros],
      ['reserve', -holdMicros],
    ])
    expect(requestEntries.find((entry) => entry.kind === 'release')!.note).toBe('swept: holder gone or hold expired')
    const database = new Database(databasePath, { readonly: true })
    try {
      expect(database.query('SELECT COUNT(*) AS open FROM open_reservations').get()).toEqual({ open: 0 })
      expect(database.query('SELECT COUNT(*) AS records FROM usage_records').get()).toEqual({ records: 0 })
    } finally {
      database.close()
    }
    second.process.kill('SIGTERM')
    expect(await second.process.exited).toBe(0)
  }, 30_000)
})
