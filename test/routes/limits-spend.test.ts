/**
 * The rolling spend cap through the routes, on a fake clock and a 60 s window (from the default plan): settled spend
 * in the window and the holds of requests in flight both count, so parallel slow streams cannot blow through the cap;
 * a refusal names the spend limit, costs nothing, and its retry-after is when enough settled spend leaves the window.
 */
import { beforeAll, describe, expect, test } from 'bun:test'
import { formatMicrosAsUsd, parseUsdToMicros } from '../../src/core/money.ts'
import { heldRetryAfterMs } from '../../src/limits/spend-window.ts'
import { balanceMicros, costMicrosOf, eventually, holdMicros, requestIdOf } from '../support/billing.ts'
import { createFakeClock } from '../support/clock.ts'
import { useRouteGateway, type TestGateway } from '../support/gateway.ts'
import { enqueueHangingStreams, limitedKey, limitHeaders, openHoldsMicros, post, readEvents, type Dialect } from '../support/limits.ts'

const clock = createFakeClock()
const routeGateway = useRouteGateway({ now: clock.now, plans: [{ id: 'minute', windowSeconds: 60 }], defaultPlan: 'minute' })

/** What one whole Anthropic request costs (the fixture is fixed) and holds at two output limits, on a key without a cap. */
const probe = { costMicros: 0, holdMicros: 0, smallHoldMicros: 0 }
beforeAll(async () => {
  const gateway = routeGateway.gateway
  const response = await post(gateway, 'anthropic', { outputTokensMax: 100 })
  expect(response.status).toBe(200)
  probe.costMicros = costMicrosOf(response.headers.get('x-anvat-cost-usd'))
  probe.holdMicros = (await holdMicros(gateway, requestIdOf(response)))!
  probe.smallHoldMicros = (await holdMicros(gateway, requestIdOf(await post(gateway, 'anthropic', { outputTokensMax: 1 }))))!
  expect(probe.costMicros).toBeGreaterThan(0)
  expect(probe.smallHoldMicros).toBeLessThan(probe.holdMicros)
})

async function errorMessage(response: Response): Promise<string> {
  const body = (await response.clone().json()) as { error: { message: string } }
  return body.error.message
}

describe('settled spend in the window counts', () => {
  test('a hold that would take settled + held past the cap is refused; retry-after is when the settle leaves', async () => {
    const capMicros = probe.costMicros + probe.holdMicros - 1
    const key = await limitedKey(routeGateway.gateway, { windowSpendMicros: capMicros })
    const startMs = clock.now()
    const first = await post(key, 'anthropic', { outputTokensMax: 100 })
    expect(first.status).toBe(200)
    expect(parseUsdToMicros(limitHeaders(first).spendUsd)).toBe(capMicros - probe.holdMicros)
    await key.ledger.flush()

    clock.advance(20_000)
    const balanceBefore = await balanceMicros(key)
    const refused = await post(key, 'anthropic', { outputTokensMax: 100 })
    expect(refused.status).toBe(429)
    expect(await refused.clone().json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
    expect(await errorMessage(refused)).toBe(
      `Spend limit exceeded: this key may spend $${formatMicrosAsUsd(capMicros)} per 60 s window, counting requests in flight.`,
    )
    // The first request settled at the start; it leaves the window 60 s later, 40 s from now.
    expect(refused.headers.get('retry-after-ms')).toBe('40000')
    expect(refused.headers.get('retry-after')).toBe('40')
    expect(parseUsdToMicros(limitHeaders(refused).spendUsd)).toBe(capMicros - probe.costMicros)
    expect(await balanceMicros(key)).toBe(balanceBefore)
    expect(await openHoldsMicros(key)).toBe(0)

    clock.advance(startMs + 60_000 - 1 - clock.now())
    expect((await post(key, 'anthropic', { outputTokensMax: 100 })).status).toBe(429)
    clock.advance(1)
    const afterWindow = await post(key, 'anthropic', { outputTokensMax: 100 })
    expect(afterWindow.status).toBe(200)
    expect(parseUsdToMicros(limitHeaders(afterWindow).spendUsd)).toBe(capMicros - probe.holdMicros)
  })

  test('settled + the new hold exactly at the cap is admitted', async () => {
    const key = await limitedKey(routeGateway.gateway, { windowSpendMicros: probe.costMicros + probe.holdMicros })
    expect((await post(key, 'anthropic', { outputTokensMax: 100 })).status).toBe(200)
    await key.ledger.flush()
    const second = await post(key, 'anthropic', { outputTokensMax: 100 })
    expect(second.status).toBe(200)
    expect(limitHeaders(second).spendUsd).toBe('0')
  })

  test('retry-after waits for as many settles to leave as the request needs', async () => {
    // Three small requests settle 10 s apart; the fourth, bigger one fits only once the first two are gone.
    const capMicros = 2 * probe.costMicros + probe.holdMicros - 1
    const key = await limitedKey(routeGateway.gateway, { windowSpendMicros: capMicros })
    const startMs = clock.now()
    for (let index = 0; index < 3; index++) {
      const response = await post(key, 'anthropic', { outputTokensMax: 1 })
      expect(response.status).toBe(200)
      await key.ledger.flush()
      if (index < 2) clock.advance(10_000)
    }
    clock.advance(5_000)
    const refused = await post(key, 'anthropic', { outputTokensMax: 100 })
    expect(refused.status).toBe(429)
    // 3 settled + the hold is over; 2 settled + the hold is 1 µ$ over; 1 settled + the hold fits: the second must go.
    expect(refused.headers.get('retry-after-ms')).toBe(String(startMs + 10_000 + 60_000 - clock.now()))
    expect(refused.headers.get('retry-after')).toBe('45')
  })
})

describe('open holds count', () => {
  test.each(['anthropic', 'chat'] as Dialect[])('%s: three parallel slow streams under a cap of two holds: two pass, one 429 until a hold is released', async (dialect) => {
    const gateway = routeGateway.gateway
    // Measure this dialect's stream hold on a key without a cap, then cap a new key just under three of them.
    await enqueueHangingStreams(routeGateway.upstream, dialect, 1)
    const measured = await post(gateway, dialect, { stream: true, outputTokensMax: 200 })
    const streamHoldMicros = (await holdMicros(gateway, requestIdOf(measured)))!
    await (await readEvents(measured, 1)).cancel()

    const key = await limitedKey(gateway, { windowSpendMicros: 3 * streamHoldMicros - 1 })
    await enqueueHangingStreams(routeGateway.upstream, dialect, 2)
    const balanceBefore = await balanceMicros(key)
    const responses = await Promise.all([0, 1, 2].map(() => post(key, dialect, { stream: true, outputTokensMax: 200 })))
    expect(responses.map((response) => response.status).sort()).toEqual([200, 200, 429])
    const refused = responses.find((response) => response.status === 429)!
    expect(await errorMessage(refused)).toStartWith('Spend limit exceeded')
    // Nothing settled in the window, only holds: the suggested wait is the hold wait.
    expect(refused.headers.get('retry-after-ms')).toBe(String(heldRetryAfterMs))
    expect(refused.headers.get('retry-after')).toBe(String(heldRetryAfterMs / 1000))
    expect(await openHoldsMicros(key)).toBe(2 * streamHoldMicros)

    const streams = responses.filter((response) => response.status === 200)
    const readers = await Promise.all(streams.map((response) => readEvents(response, 1)))
    // While both are open, a later one is refused too; once one ends, its hold no longer counts.
    expect((await post(key, dialect, { stream: true, outputTokensMax: 200 })).status).toBe(429)
    await readers[0]!.cancel()
    await eventually(async () => (await openHoldsMicros(key)) === streamHoldMicros, 'one hold to be released')
    const third = await post(key, dialect, { outputTokensMax: 200 })
    expect(third.status).toBe(200)
    await readers[1]!.cancel()
    await eventually(async () => (await openHoldsMicros(key)) === 0, 'every hold to be released')
    await key.ledger.flush()
    // Only the third request was charged: the two streams left before any content.
    expect(balanceBefore - (await balanceMicros(key))).toBe(costMicrosOf(third.headers.get('x-anvat-cost-usd')))
  })
})

describe('what a spend refusal leaves alone', () => {
  test('the refused request costs nothing and holds nothing', async () => {
    const key: TestGateway = await limitedKey(routeGateway.gateway, { windowSpendMicros: 1_000 })
    const balanceBefore = await balanceMicros(key)
    const refused = await post(key, 'responses', { outputTokensMax: 1_000 })
    expect(refused.status).toBe(429)
    expect(await errorMessage(refused)).toStartWith('Spend limit exceeded: this key may spend $0.001 per 60 s window')
    expect(routeGateway.upstream.received).toHaveLength(0)
    expect(await openHoldsMicros(key)).toBe(0)
    expect(await balanceMicros(key)).toBe(balanceBefore)
  })
})
