/**
 * Two gateway processes on one SQLite ledger, 200 simultaneous requests on a key whose credit covers exactly ten
 * holds: exactly ten are served, the rest get 402, and the balance ends at the credit minus exactly the ten costs the
 * responses reported — never below zero, however the requests interleave across the processes.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseUsdToMicros } from '../../src/core/money.ts'
import { exactPricing, reservationMicros } from '../../src/ledger/pricing.ts'
import { inputEstimateOf } from '../support/billing.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { spawnServe } from '../support/serve-process.ts'

const mainPath = join(import.meta.dir, '../../src/main.ts')
const directory = mkdtempSync(join(tmpdir(), 'anvat-two-'))
const databasePath = join(directory, 'shared.db')
const pricing = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 }
const requestsTotal = 200
const affordableHolds = 10
const servers: Array<ReturnType<typeof Bun.spawn>> = []
let upstream: FakeUpstream

beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(async () => {
  for (const server of servers) server.kill('SIGKILL')
  await upstream.stop()
  rmSync(directory, { recursive: true, force: true })
})

function anvat(args: string[]) {
  const result = Bun.spawnSync([process.execPath, mainPath, ...args], { env: { PATH: process.env.PATH ?? '' } })
  return result.stdout.toString()
}

async function startServer(configPath: string): Promise<string> {
  const server = await spawnServe(['--db', databasePath, '--config', configPath], directory)
  servers.push(server.process)
  return server.url
}

test('200 simultaneous requests across two processes: exactly the affordable ten are served and billed', async () => {
  const configPath = join(directory, 'config.json')
  const config = {
    providers: [
      { id: 'anthropic', type: 'anthropic', baseUrl: upstream.url, apiKey: upstream.anthropicKey },
      { id: 'openai', type: 'openai', baseUrl: upstream.url, apiKey: upstream.openaiKey },
    ],
    models: [
      { id: 'claude-sonnet-4-6', provider: 'anthropic', pricing },
      { id: 'gpt-5-mini', provider: 'openai', pricing },
    ],
  }
  writeFileSync(configPath, JSON.stringify(config))
  // A prompt and limit the recorded answer's usage fits in (2,091 prompt tokens, 19 output), as a real upstream's would.
  const prompt = 'Hello, please answer briefly. '.repeat(300)
  const body = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: prompt }] })
  // Both gateways are warmed up below (their tokenizer loaded), so every hold is the tokenizer estimate's.
  const { reservationTokens } = await inputEstimateOf('messages', body, { upstreamModel: 'claude-sonnet-4-6', o200k: false })
  const holdMicros = reservationMicros(exactPricing(pricing), reservationTokens, 64)
  const creditMicros = holdMicros * affordableHolds
  const credit = `${Math.floor(creditMicros / 1e6)}.${String(creditMicros % 1e6).padStart(6, '0')}`
  const key = anvat(['keys', 'create', '--name', 'shared', '--credit', credit, '--db', databasePath]).trimEnd().split('\n').at(-1)!
  const urls = [await startServer(configPath), await startServer(configPath)]
  // A GPT model's count_tokens waits for the tokenizer: after it, no hold can change size mid-burst.
  for (const url of urls) {
    const warmUp = await fetch(`${url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': key },
      body: JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'warm up' }] }),
    })
    expect(warmUp.headers.get('x-anvat-token-count')).toBe('estimate')
  }

  // Each upstream answer takes 3 s, so every hold is taken before the first is released.
  const answer = await readFixture('upstream/anthropic/text.response.json')
  const half = Math.floor(answer.length / 2)
  for (let index = 0; index < requestsTotal; index++) {
    upstream.enqueue({ chunks: [answer.slice(0, half), answer.slice(half)], chunkDelayMs: 3000, headers: { 'content-type': 'application/json' } })
  }
  const responses = await Promise.all(
    Array.from({ length: requestsTotal }, (_, index) =>
      fetch(`${urls[index % 2]}/v1/messages`, { method: 'POST', headers: { 'x-api-key': key }, body }).then(async (response) => ({
        status: response.status,
        cost: response.headers.get('x-anvat-cost-usd'),
        body: (await response.json()) as { type?: string; error?: { type?: string } },
      })),
    ),
  )
  const served = responses.filter((response) => response.status === 200)
  const refused = responses.filter((response) => response.status === 402)
  expect(served).toHaveLength(affordableHolds)
  expect(refused).toHaveLength(requestsTotal - affordableHolds)
  for (const response of refused) expect(response.body).toMatchObject({ type: 'error', error: { type: 'billing_error' } })

  const chargedMicros = served.reduce((sum, response) => sum + parseUsdToMicros(response.cost!)!, 0)
  expect(chargedMicros).toBeGreaterThan(0)
  // Each gateway writes its charges with its next group commit, milliseconds after it answers: the other gateway's
  // balance shows them once written.
  const balanceMicros = async () => {
    const balance = (await (await fetch(`${urls[0]}/v1/balance`, { headers: { 'x-api-key': key } })).json()) as { balance_usd: number }
    return Math.round(balance.balance_usd * 1e6)
  }
  const deadlineMs = Date.now() + 5_000
  while ((await balanceMicros()) !== creditMicros - chargedMicros && Date.now() < deadlineMs) await Bun.sleep(20)
  expect(await balanceMicros()).toBe(creditMicros - chargedMicros)
}, 30_000)
