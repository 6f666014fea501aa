/**
 * Two processes on one ledger: this test process and a second Bun process (test/support/ledger-worker.ts) race for
 * the same account's credit at the same time, on the same SQLite file and on the same libSQL URL. Credit covers an
 * exact number of holds, each settled at exactly its hold, so however the two interleave, exactly that many are
 * billed, the balance ends at zero, and it is never seen below zero.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts'
import { booksOf, ledgerBackends, openAccount, openTestDatabase, reserveAndSettle, scalar, testTimings, type TestDatabase } from '../support/ledger-harness.ts'

const workerPath = join(import.meta.dir, '../support/ledger-worker.ts')
const holdMicros = 7_777

/** Per backend: holds the credit covers, attempts per process, reservations in flight per process. */
const sizes = {
  'bun:sqlite': { affordable: 300, attempts: 400, waveSize: 20 },
  'libsql over Hrana': { affordable: 60, attempts: 80, waveSize: 10 },
} as const

describe.each(ledgerBackends)('two processes sharing one ledger on %s', (backend) => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  test('bill exactly the affordable number of requests, and the balance never goes below zero', async () => {
    const { affordable, attempts, waveSize } = sizes[backend]
    const database: TestDatabase = await openTestDatabase(backend, Date.now())
    cleanups.push(database.close)
    const accountId = await openAccount(database.connection, holdMicros * affordable, Date.now())
    const ledger: Ledger = createLedger(database.connection.client, { now: Date.now, instanceId: 'gw_parent', timings: testTimings })
    cleanups.push(ledger.stop)
    // Heartbeat before anyone holds anything, so neither process takes the other's holds for a dead one's.
    await ledger.sweep()

    const where = 'path' in database.location ? ['path', database.location.path] : ['url', database.location.url]
    const child = Bun.spawn([process.execPath, workerPath, ...where, accountId, 'gw_child', String(attempts), String(holdMicros), String(waveSize)], {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    })
    cleanups.push(async () => {
      child.kill()
      await child.exited
    })
    const lines = readLines(child.stdout)
    expect(await lines.next()).toEqual({ done: false, value: 'ready' })

    let lowestMicros = Number.POSITIVE_INFINITY
    let running = true
    const watcher = (async () => {
      while (running) {
        lowestMicros = Math.min(lowestMicros, (await ledger.balance(accountId))?.balanceMicros ?? Number.NaN)
        await Bun.sleep(1)
      }
    })()
    child.stdin.write('go\n')
    await child.stdin.flush()
    const parentReserved = await reserveAndSettle(ledger, { accountId, instanceId: 'gw_parent', attempts, holdMicros, waveSize })
    const childResult = await lines.next()
    const exitCode = await child.exited
    running = false
    await watcher
    expect({ exitCode, stderr: exitCode === 0 ? '' : await new Response(child.stderr).text() }).toEqual({ exitCode: 0, stderr: '' })
    const childReserved = (JSON.parse(String(childResult.value)) as { reserved: number }).reserved

    expect(parentReserved + childReserved).toBe(affordable)
    const client = database.connection.client
    expect(await booksOf(client, accountId)).toEqual({ balanceMicros: 0, entriesSumMicros: 0 })
    expect(lowestMicros).toBeGreaterThanOrEqual(0)
    expect(await scalar(client, "SELECT COUNT(*) AS value FROM ledger_entries WHERE kind = 'settle' AND amount_micros = ?", [-holdMicros])).toBe(affordable)
    expect(await scalar(client, 'SELECT COUNT(*) AS value FROM usage_records WHERE unbilled_micros = 0')).toBe(affordable)
    expect(await scalar(client, 'SELECT COUNT(*) AS value FROM open_reservations')).toBe(0)
    // Both processes really took part (the child answered after its attempts); which one wins how much of the race is
    // the scheduler's business on a loaded machine, so only each one's share being in the books is asserted.
    expect(childResult.done).toBe(false)
    expect(await scalar(client, "SELECT COUNT(*) AS value FROM ledger_entries WHERE kind = 'reserve' AND request_id LIKE 'gw_child_%'")).toBe(childReserved)
    expect(await scalar(client, "SELECT COUNT(*) AS value FROM ledger_entries WHERE kind = 'reserve' AND request_id LIKE 'gw_parent_%'")).toBe(parentReserved)
  }, 30_000)
})

/** The lines of a byte stream, one at a time. */
async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true })
    let newline = buffered.indexOf('\n')
    while (newline !== -1) {
      yield buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      newline = buffered.indexOf('\n')
    }
  }
  if (buffered !== '') yield buffered
}
