/**
 * The ledger against a model of itself: seeded random sequences of requests (random prices, usage and outcomes) on
 * several accounts, with the books checked after every step; then 200 simultaneous reservations racing for ten holds.
 * Both run on both backends.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import type { Pricing } from '../../src/config/schema.ts'
import { GatewayFailure } from '../../src/core/error.ts'
import type { MeterReading } from '../../src/core/stream.ts'
import type { Usage } from '../../src/core/usage.ts'
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts'
import { costMicros, exactPricing, type ExactPricing } from '../../src/ledger/pricing.ts'
import { chargeForStream, reserveCredit, usageRecord, type Charge } from '../../src/routes/metering.ts'
import { booksOf, entriesOf, fakeClock, ledgerBackends, openAccount, openTestDatabase, scalar, seededRandom, testTimings, type TestDatabase } from '../support/ledger-harness.ts'

const operationsCount = 400
const accountsCount = 4
const pricesUsdPerMillion = [0, 0.025, 0.3, 1.1, 3, 3.75, 15, 75]

type OpenRequest = { requestId: string; accountId: string; pricing: ExactPricing; inputTokens: number; outputTokensMax: number; reservedMicros: number }
type Finished = { requestId: string; accountId: string; settle: boolean; charge: Charge | undefined }
type AccountModel = { grantMicros: number; topUpsMicros: number; chargedMicros: number; heldMicros: number; balanceMicros: number }

describe.each(ledgerBackends)('ledger on %s', (backend) => {
  let database: TestDatabase
  let ledger: Ledger
  const clock = fakeClock()

  beforeEach(async () => {
    database = await openTestDatabase(backend, clock.now())
    ledger = createLedger(database.connection.client, { now: clock.now, instanceId: 'gw_property', timings: testTimings })
  })
  afterEach(async () => {
    await ledger.stop()
    await database.close()
  })

  test.each([20240517, 7])(`random sequences keep every balance exact and never negative (seed %d, ${operationsCount} operations)`, async (seed) => {
    const random = seededRandom(seed)
    const pick = <Item,>(items: readonly Item[]): Item => items[Math.floor(random() * items.length)] as Item
    const integer = (maximum: number) => Math.floor(random() * (maximum + 1))
    const client = database.connection.client

    const models = new Map<string, AccountModel>()
    for (let index = 0; index < accountsCount; index++) {
      const grantMicros = integer(1_000_000)
      models.set(await openAccount(database.connection, grantMicros, clock.now()), { grantMicros, topUpsMicros: 0, chargedMicros: 0, heldMicros: 0, balanceMicros: grantMicros })
    }
    const accountIds = [...models.keys()]
    const model = (accountId: string) => models.get(accountId) as AccountModel
    const open: OpenRequest[] = []
    const finished: Finished[] = []
    let requestNumber = 0
    const tally = { refused: 0, lowered: 0, settled: 0, released: 0, cut: 0, unbilled: 0, replayed: 0 }

    const checkBooks = async (accountId: string, context: string) => {
      const books = await booksOf(client, accountId)
      const expected = model(accountId)
      const where = `seed ${seed}, ${context}, ${accountId}`
      expect({ where, ...books }).toEqual({ where, balanceMicros: expected.balanceMicros, entriesSumMicros: expected.balanceMicros })
      expect(books.balanceMicros).toBeGreaterThanOrEqual(0)
      expect(expected.balanceMicros).toBe(expected.grantMicros + expected.topUpsMicros - expected.chargedMicros - expected.heldMicros)
    }

    const startRequest = async () => {
      const accountId = pick(accountIds)
      const configured: Pricing = { input: pick(pricesUsdPerMillion), output: pick(pricesUsdPerMillion) }
      if (random() < 0.5) configured.cacheWrite = pick(pricesUsdPerMillion)
      if (random() < 0.3) configured.cacheWrite1h = pick(pricesUsdPerMillion)
      if (random() < 0.5) configured.cacheRead = pick(pricesUsdPerMillion)
      const request = { accountId, requestId: `req_${seed}_${requestNumber++}`, pricing: exactPricing(configured), inputTokens: integer(4_000), outputTokensMax: 1 + integer(2_000) }
      try {
        const hold = await reserveCredit(ledger, request)
        if (hold.lowered) tally.lowered += 1
        open.push({ ...request, outputTokensMax: hold.outputTokensMax, reservedMicros: hold.reservedMicros })
        model(accountId).heldMicros += hold.reservedMicros
        model(accountId).balanceMicros -= hold.reservedMicros
      } catch (error) {
        if (!(error instanceof GatewayFailure) || error.error.code !== 'policy_insufficient_credit') throw error
        tally.refused += 1
        expect(await entriesOf(client, request.requestId)).toEqual([])
      }
      return accountId
    }

    /** The usage a finished request reports: the prompt split at random over the cache kinds. */
    const randomUsage = (request: OpenRequest, outputTokens: number): Usage => {
      const cacheRead = integer(request.inputTokens)
      const cacheWrite5m = integer(request.inputTokens - cacheRead)
      const cacheWrite1h = integer(request.inputTokens - cacheRead - cacheWrite5m)
      const input = request.inputTokens - cacheRead - cacheWrite5m - cacheWrite1h
      return { input, cacheRead, cacheWrite5m, cacheWrite1h, output: outputTokens, reasoning: integer(outputTokens) }
    }

    /** Picks an outcome for an open request and returns what the route would do with it. */
    const decideOutcome = (request: OpenRequest): Finished => {
      const roll = random()
      if (roll < 0.2) {
        tally.released += 1
        return { requestId: request.requestId, accountId: request.accountId, settle: false, charge: undefined }
      }
      if (roll < 0.45) {
        const reading: MeterReading = {
          usage: random() < 0.8 ? randomUsage(request, integer(request.outputTokensMax)) : undefined,
          outputReported: random() < 0.5,
          sawContent: random() < 0.85,
          outputCharacters: integer(4 * request.outputTokensMax),
        }
        const charge = chargeForStream('cut', reading, request.pricing, request.inputTokens, request.reservedMicros)
        tally.cut += 1
        return { requestId: request.requestId, accountId: request.accountId, settle: charge !== undefined, charge }
      }
      // An upstream that ignores the output limit now and then: the cost outruns the hold.
      const overrun = random() < 0.2
      const usage = randomUsage(request, overrun ? request.outputTokensMax + 1 + integer(50_000) : integer(request.outputTokensMax))
      tally.settled += 1
      const charge: Charge = { usage, costMicros: costMicros(request.pricing, usage), estimated: false, partial: false }
      return { requestId: request.requestId, accountId: request.accountId, settle: true, charge }
    }

    const recordOf = (outcome: Finished) => {
      const { requestId, accountId } = outcome
      const base = { requestId, accountId, keyId: 'key_property', model: 'm', requestedModel: 'm', attempts: 1, provider: 'p', dialectIn: 'anthropic', dialectOut: 'anthropic' }
      return usageRecord({ ...base, status: 200, outcome: 'test', durationMs: 1 }, outcome.charge)
    }

    /** Finishes up to `count` open requests in one tick: their settlements share a group commit, in call order. */
    const finishRequests = async (count: number) => {
      const chosen: OpenRequest[] = []
      for (let index = 0; index < count && open.length > 0; index++) chosen.push(...open.splice(integer(open.length - 1), 1))
      const writes: Array<Promise<void>> = []
      for (const request of chosen) {
        const outcome = decideOutcome(request)
        const account = model(request.accountId)
        account.heldMicros -= request.reservedMicros
        account.balanceMicros += request.reservedMicros
        if (outcome.settle && outcome.charge !== undefined) {
          const chargedMicros = Math.min(outcome.charge.costMicros, account.balanceMicros)
          if (chargedMicros < outcome.charge.costMicros) tally.unbilled += 1
          account.chargedMicros += chargedMicros
          account.balanceMicros -= chargedMicros
          writes.push(ledger.settle(recordOf(outcome)))
        } else {
          writes.push(ledger.release(request.requestId, random() < 0.5 ? recordOf(outcome) : undefined))
        }
        finished.push(outcome)
      }
      await Promise.all(writes)
      return chosen.map((request) => request.accountId)
    }

    for (let step = 0; step < operationsCount; step++) {
      clock.advance(integer(1000))
      const roll = random()
      let touched: string[]
      if (roll < 0.45 || open.length === 0) touched = [await startRequest()]
      else if (roll < 0.85) touched = await finishRequests(random() < 0.7 ? 1 : 2 + integer(4))
      else if (roll < 0.92) {
        const accountId = pick(accountIds)
        const amountMicros = integer(200_000)
        expect(await ledger.credit({ id: `topup_${seed}_${step}`, accountId, kind: 'top-up', amountMicros, note: null })).toBe(true)
        model(accountId).topUpsMicros += amountMicros
        model(accountId).balanceMicros += amountMicros
        touched = [accountId]
      } else {
        const replay = finished.length === 0 ? undefined : pick(finished)
        if (replay === undefined) continue
        tally.replayed += 1
        await (replay.settle ? ledger.settle(recordOf(replay)) : ledger.release(replay.requestId, recordOf(replay)))
        touched = [replay.accountId]
      }
      for (const accountId of new Set(touched)) await checkBooks(accountId, `step ${step}`)
    }
    while (open.length > 0) await finishRequests(5)
    await ledger.flush()

    for (const accountId of accountIds) {
      await checkBooks(accountId, 'end')
      const account = model(accountId)
      expect(account.heldMicros).toBe(0)
      expect(account.balanceMicros).toBe(account.grantMicros + account.topUpsMicros - account.chargedMicros)
      const billed = await scalar(client, 'SELECT COALESCE(SUM(cost_micros - unbilled_micros), 0) AS value FROM usage_records WHERE account_id = ?', [accountId])
      expect(billed).toBe(account.chargedMicros)
    }
    expect(await scalar(client, 'SELECT COUNT(*) AS value FROM open_reservations')).toBe(0)
    expect(await scalar(client, 'SELECT MIN(balance_micros) AS value FROM accounts')).toBeGreaterThanOrEqual(0)
    // The sequence exercised every path, or it proves less than it claims.
    for (const [path, count] of Object.entries(tally)) expect({ path, exercised: count > 0 }).toEqual({ path, exercised: true })
  }, 60_000)

  test('200 simultaneous reservations on credit for exactly 10: 10 succeed, the balance ends at 0 and never dips below', async () => {
    const holdMicros = 12_345
    const accountId = await openAccount(database.connection, holdMicros * 10, clock.now())
    let lowestMicros = Number.POSITIVE_INFINITY
    let racing = true
    const watcher = (async () => {
      while (racing) {
        lowestMicros = Math.min(lowestMicros, (await ledger.balance(accountId))?.balanceMicros ?? Number.NaN)
        await Bun.sleep(0)
      }
    })()
    const results = await Promise.all(Array.from({ length: 200 }, (_, index) => ledger.reserve({ accountId, requestId: `req_race_${index}`, amountMicros: holdMicros })))
    racing = false
    await watcher

    expect(results.filter((result) => result.ok)).toHaveLength(10)
    for (const result of results) if (!result.ok) expect(result.availableMicros).toBeLessThan(holdMicros)
    expect(await booksOf(database.connection.client, accountId)).toEqual({ balanceMicros: 0, entriesSumMicros: 0 })
    expect(await scalar(database.connection.client, 'SELECT COUNT(*) AS value FROM open_reservations')).toBe(10)
    expect(await scalar(database.connection.client, "SELECT COUNT(*) AS value FROM ledger_entries WHERE kind = 'reserve'")).toBe(10)
    expect(lowestMicros).toBeGreaterThanOrEqual(0)
  }, 30_000)
})
