/**
 * Limits from the config's default plan: a key with no values of its own gets the plan's rpm, concurrency and spend
 * cap, and a key's own values replace the plan's field by field, leaving the others in force.
 */
import { describe, expect, test } from 'bun:test'
import { parseUsdToMicros } from '../../src/core/money.ts'
import { holdMicros, requestIdOf } from '../support/billing.ts'
import { createFakeClock } from '../support/clock.ts'
import { useRouteGateway } from '../support/gateway.ts'
import { limitedKey, limitHeaders, post } from '../support/limits.ts'

const clock = createFakeClock()
const routeGateway = useRouteGateway({
  now: clock.now,
  plans: [
    { id: 'free', rpm: 3, concurrency: 2, windowSpendUsd: 0.5, windowSeconds: 600 },
    { id: 'team', rpm: 600, concurrency: 32 },
  ],
  defaultPlan: 'free',
})

/** The spend header in micro-USD plus the request's own hold: the cap it was counted against, before any settle. */
async function capSeen(response: Response): Promise<number> {
  const gateway = routeGateway.gateway
  return parseUsdToMicros(limitHeaders(response).spendUsd)! + (await holdMicros(gateway, requestIdOf(response)))!
}

describe('the default plan', () => {
  test('applies to a key without values of its own: rpm 3, concurrency 2, $0.50', async () => {
    const gateway = routeGateway.gateway
    const response = await post(gateway, 'anthropic')
    expect(response.status).toBe(200)
    expect(limitHeaders(response)).toMatchObject({ rpm: '2', concurrent: '1' })
    expect(await capSeen(response)).toBe(500_000)
    expect((await post(gateway, 'chat')).status).toBe(200)
    expect((await post(gateway, 'responses')).status).toBe(200)
    const refused = await post(gateway, 'anthropic')
    expect(refused.status).toBe(429)
    expect(await refused.text()).toContain('this key allows 3 requests per minute')
  })

  test('its spend window and cap hold: the window length comes from the plan', async () => {
    const key = await limitedKey(routeGateway.gateway, {})
    // A 40,000-token output limit holds 600,000 µ$ at 15 µ$ per token: over the plan's $0.50.
    const refused = await post(key, 'anthropic', { outputTokensMax: 40_000 })
    expect(refused.status).toBe(429)
    expect(await refused.text()).toContain('this key may spend $0.5 per 600 s window')
  })
})

describe('a key’s own values override the plan, field by field', () => {
  test('its rpm replaces the plan’s; concurrency and spend stay the plan’s', async () => {
    const key = await limitedKey(routeGateway.gateway, { rpm: 10 })
    const response = await post(key, 'chat')
    expect(limitHeaders(response)).toMatchObject({ rpm: '9', concurrent: '1' })
    expect(await capSeen(response)).toBe(500_000)
    for (let index = 0; index < 3; index++) expect((await post(key, 'chat')).status).toBe(200)
  })

  test('its concurrency replaces the plan’s; rpm stays the plan’s', async () => {
    const key = await limitedKey(routeGateway.gateway, { concurrency: 5 })
    const response = await post(key, 'responses')
    expect(limitHeaders(response)).toMatchObject({ rpm: '2', concurrent: '4' })
  })

  test('its spend cap replaces the plan’s, in either direction', async () => {
    const higher = await limitedKey(routeGateway.gateway, { windowSpendMicros: 2_000_000 })
    const allowed = await post(higher, 'anthropic', { outputTokensMax: 40_000 })
    expect(allowed.status).toBe(200)
    expect(await capSeen(allowed)).toBe(2_000_000)
    const lower = await limitedKey(routeGateway.gateway, { windowSpendMicros: 100_000 })
    const response = await post(lower, 'anthropic')
    expect(limitHeaders(response)).toMatchObject({ rpm: '2', concurrent: '1' })
    expect(await capSeen(response)).toBe(100_000)
  })
})
