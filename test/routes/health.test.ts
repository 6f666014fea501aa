/**
 * Liveness and readiness: /healthz never touches the database; /readyz follows the lifecycle, then asks the ledger's
 * database for `SELECT 1` (a 503 naming the database when it fails), reusing a success for a second.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { openLedger, type LedgerConnection } from '../../src/ledger/database.ts'
import { createLedger } from '../../src/ledger/ledger.ts'
import type { Lifecycle } from '../../src/routes/dependencies.ts'
import { createDatabaseCheck } from '../../src/routes/health.ts'
import type { SqlClient } from '../../src/ledger/sql-client.ts'
import { createApp } from '../../src/server/app.ts'
import { createLogger } from '../../src/server/logger.ts'
import { createFakeClock, type FakeClock } from '../support/clock.ts'
import { testConfig } from '../support/gateway.ts'

type Probed = { get: (path: string) => Promise<Response>; lifecycle: Lifecycle; clock: FakeClock; queries: string[]; logs: string[] }

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

/** A gateway whose database answers `SELECT 1` as `answer` says, counting every query it is asked. */
async function gatewayWithDatabase(answer: () => Promise<void>): Promise<Probed> {
  const clock = createFakeClock()
  const connection = await openLedger({ path: ':memory:' }, clock.now())
  const queries: string[] = []
  const client: SqlClient = {
    ...connection.client,
    query: async (statement) => {
      queries.push(statement.sql)
      await answer()
      return connection.client.query(statement)
    },
  }
  const ledgerConnection: LedgerConnection = { ...connection, client }
  const config = testConfig(undefined)
  const ledger = createLedger(connection.client, { now: clock.now, instanceId: 'gw_health', timings: config.limits })
  const lifecycle: Lifecycle = { state: 'ready', startedMs: clock.now() }
  const logs: string[] = []
  const gateway = createApp({
    config,
    lookupKey: async () => undefined,
    ledger,
    ledgerConnection,
    adminToken: undefined,
    fetch,
    now: clock.now,
    logger: createLogger('debug', (line) => logs.push(line), clock.now),
    lifecycle,
  })
  closers.push(async () => {
    await ledger.stop()
    connection.close()
  })
  return { get: (path) => gateway.app.handle(new Request(`http://anvat.test${path}`)), lifecycle, clock, queries, logs }
}

const databaseUp = async () => undefined
const databaseDown = async () => {
  throw new Error('SQLITE_IOERR: disk I/O error')
}

describe('/healthz', () => {
  test('answers without asking the database, even when it is down', async () => {
    const probed = await gatewayWithDatabase(databaseDown)
    probed.clock.advance(61_000)
    const response = await probed.get('/healthz')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok', uptimeSeconds: 61 })
    expect(probed.queries).toEqual([])
  })
})

describe('/readyz', () => {
  test('ready when the database answers SELECT 1; a success is reused for a second, then asked again', async () => {
    const probed = await gatewayWithDatabase(databaseUp)
    const first = await probed.get('/readyz')
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ status: 'ready' })
    expect(probed.queries).toEqual(['SELECT 1'])
    probed.clock.advance(999)
    expect((await probed.get('/readyz')).status).toBe(200)
    expect(probed.queries).toHaveLength(1)
    probed.clock.advance(1)
    expect((await probed.get('/readyz')).status).toBe(200)
    expect(probed.queries).toHaveLength(2)
  })

  test('503 naming the database when it fails; failures are not cached, so recovery shows on the next probe', async () => {
    let up = false
    const probed = await gatewayWithDatabase(() => (up ? databaseUp() : databaseDown()))
    const down = await probed.get('/readyz')
    expect(down.status).toBe(503)
    expect(await down.json()).toEqual({ status: 'unavailable', reason: 'database' })
    expect(probed.logs.join('')).toContain('msg="readiness: database unavailable" error="Error: SQLITE_IOERR: disk I/O error"')
    up = true
    expect((await probed.get('/readyz')).status).toBe(200)
    expect(probed.queries).toHaveLength(2)
  })

  test('503 with the state while starting or draining, without asking the database', async () => {
    const probed = await gatewayWithDatabase(databaseUp)
    for (const state of ['starting', 'draining'] as const) {
      probed.lifecycle.state = state
      const response = await probed.get('/readyz')
      expect(response.status).toBe(503)
      expect(await response.json()).toEqual({ status: state })
    }
    expect(probed.queries).toEqual([])
  })
})

describe('createDatabaseCheck', () => {
  test('a database that does not answer in time is unavailable, and concurrent checks share one probe', async () => {
    const clock = createFakeClock()
    const failures: string[] = []
    let probes = 0
    const hung = Promise.withResolvers<void>()
    const check = createDatabaseCheck(
      () => {
        probes += 1
        return hung.promise
      },
      { now: clock.now, timeoutMs: 50, cacheMs: 1_000, onFailure: (error) => failures.push(String(error)) },
    )
    expect(await Promise.all([check(), check(), check()])).toEqual([false, false, false])
    expect(probes).toBe(1)
    expect(failures).toEqual(Array(3).fill('Error: no answer within 50 ms'))
    // The hung query finally answers: that success counts, and the next check reuses it.
    hung.resolve()
    await hung.promise
    expect(await check()).toBe(true)
    expect(probes).toBe(1)
  })
})
