import { describe, expect, test } from 'bun:test'
import type { Pricing } from '../../src/config/schema.ts'
import { zeroUsage, type Usage } from '../../src/core/usage.ts'
import { affordableOutputTokens, costMicros, discountedPricing, exactPricing, reservationMicros } from '../../src/ledger/pricing.ts'

/** The cost of `usage` under `pricing`, straight from the config shape. */
function cost(pricing: Pricing, usage: Partial<Usage>): number {
  return costMicros(exactPricing(pricing), { ...zeroUsage, ...usage })
}

const sonnet: Pricing = { input: 3, output: 15, cacheWrite: 3.75, cacheWrite1h: 6, cacheRead: 0.3 }

describe('exactPricing', () => {
  test('holds USD per million tokens as whole pico-USD per token, exact to six decimal places', () => {
    expect(exactPricing({ input: 0.3, output: 0.025, cacheWrite: 3.75, cacheWrite1h: 1.1, cacheRead: 0.000001 })).toEqual({
      input: 300_000n,
      output: 25_000n,
      cacheWrite5m: 3_750_000n,
      cacheWrite1h: 1_100_000n,
      cacheRead: 1n,
    })
  })

  test('cache writes default to the input price, 1-hour writes to the 5-minute price, reads to the input price', () => {
    expect(exactPricing({ input: 3, output: 15 })).toEqual({ input: 3_000_000n, output: 15_000_000n, cacheWrite5m: 3_000_000n, cacheWrite1h: 3_000_000n, cacheRead: 3_000_000n })
    expect(exactPricing({ input: 3, output: 15, cacheWrite: 3.75 })).toMatchObject({ cacheWrite5m: 3_750_000n, cacheWrite1h: 3_750_000n, cacheRead: 3_000_000n })
    expect(exactPricing({ input: 3, output: 15, cacheWrite1h: 6 })).toMatchObject({ cacheWrite5m: 3_000_000n, cacheWrite1h: 6_000_000n })
  })
})

describe('costMicros', () => {
  test('fractional prices cost exactly what they say, with no float drift', () => {
    expect(cost({ input: 0.3, output: 0 }, { input: 1000 })).toBe(300)
    expect(cost({ input: 0.025, output: 0 }, { input: 1000 })).toBe(25)
    expect(cost({ input: 0, output: 3.75 }, { output: 1000 })).toBe(3750)
    // In floating point 3000 × 1.1 is 3300.0000000000005, which a naive ceil would bill as 3301.
    expect(3000 * 1.1).toBeGreaterThan(3300)
    expect(cost({ input: 1.1, output: 0 }, { input: 3000 })).toBe(3300)
    expect(cost({ input: 1.1, output: 0 }, { input: 3_000_000 })).toBe(3_300_000)
    // A million tokens at $0.3/M is $0.30, to the micro.
    expect(cost({ input: 0.3, output: 0.025 }, { input: 1_000_000, output: 1_000_000 })).toBe(325_000)
  })

  test('a sub-micro total rounds up once, never per field', () => {
    expect(cost({ input: 0.3, output: 0 }, { input: 1 })).toBe(1)
    expect(cost({ input: 0.025, output: 0 }, { input: 40 })).toBe(1)
    expect(cost({ input: 0.025, output: 0 }, { input: 41 })).toBe(2)
    expect(cost({ input: 3.75, output: 0 }, { input: 1 })).toBe(4)
    // Three fields of 0.3 micros each: 0.9 in all, one micro (rounding each field first would give three).
    expect(cost({ input: 0.3, output: 0.3, cacheRead: 0.3 }, { input: 1, cacheRead: 1, output: 1 })).toBe(1)
    // 0.3 + 0.3 + 0.3 + 0.3 = 1.2 micros: two, not four.
    expect(cost({ input: 0.3, output: 0.3, cacheRead: 0.3, cacheWrite: 0.3 }, { input: 1, cacheRead: 1, cacheWrite5m: 1, output: 1 })).toBe(2)
    expect(cost(sonnet, {})).toBe(0)
  })

  test('each token kind is priced at its own rate', () => {
    expect(cost(sonnet, { input: 1000 })).toBe(3000)
    expect(cost(sonnet, { cacheWrite5m: 1000 })).toBe(3750)
    expect(cost(sonnet, { cacheWrite1h: 1000 })).toBe(6000)
    expect(cost(sonnet, { cacheRead: 1000 })).toBe(300)
    expect(cost(sonnet, { output: 1000 })).toBe(15_000)
    expect(cost(sonnet, { input: 1000, cacheWrite5m: 1000, cacheWrite1h: 1000, cacheRead: 1000, output: 1000 })).toBe(28_050)
  })

  test('unconfigured cache rates fall back: writes to input, 1-hour writes to 5-minute writes, reads to input', () => {
    const plain: Pricing = { input: 2, output: 8 }
    expect(cost(plain, { cacheWrite5m: 1000 })).toBe(2000)
    expect(cost(plain, { cacheWrite1h: 1000 })).toBe(2000)
    expect(cost(plain, { cacheRead: 1000 })).toBe(2000)
    const writesOnly: Pricing = { input: 2, output: 8, cacheWrite: 2.5 }
    expect(cost(writesOnly, { cacheWrite1h: 1000 })).toBe(2500)
    expect(cost(writesOnly, { cacheRead: 1000 })).toBe(2000)
  })

  test('reasoning is inside output and never added on top', () => {
    expect(cost(sonnet, { output: 1000, reasoning: 800 })).toBe(cost(sonnet, { output: 1000 }))
    expect(cost(sonnet, { reasoning: 800 })).toBe(0)
  })

  test('large counts stay exact past the float mantissa', () => {
    // 10^12 tokens at $0.000001/M plus one at $0.3/M: 10^6 micros and 0.3 micros, rounded up once.
    expect(cost({ input: 0.000001, output: 0.3 }, { input: 1_000_000_000_000, output: 1 })).toBe(1_000_001)
  })
})

describe('reservationMicros', () => {
  test('prices the input at the dearest input rate, plus every allowed output token', () => {
    expect(reservationMicros(exactPricing(sonnet), 1000, 100)).toBe(1000 * 6 + 100 * 15)
    expect(reservationMicros(exactPricing({ input: 3, output: 15, cacheWrite: 3.75 }), 1000, 100)).toBe(3750 + 1500)
    expect(reservationMicros(exactPricing({ input: 3, output: 15, cacheRead: 0.3 }), 1000, 100)).toBe(3000 + 1500)
    expect(reservationMicros(exactPricing({ input: 0.3, output: 0 }), 1, 0)).toBe(1)
  })

  test('covers the cost of any split of the same prompt with no more output than allowed', () => {
    const pricing = exactPricing(sonnet)
    const reserved = reservationMicros(pricing, 1000, 200)
    for (const split of [
      { input: 1000 },
      { cacheWrite5m: 1000 },
      { cacheWrite1h: 1000 },
      { cacheRead: 1000 },
      { input: 1, cacheRead: 333, cacheWrite5m: 333, cacheWrite1h: 333 },
    ]) {
      expect(costMicros(pricing, { ...zeroUsage, ...split, output: 200 })).toBeLessThanOrEqual(reserved)
    }
    expect(costMicros(pricing, { ...zeroUsage, cacheWrite1h: 1000, output: 200 })).toBe(reserved)
  })
})

describe('affordableOutputTokens', () => {
  const pricing = exactPricing({ input: 3, output: 15 })

  test('is 0 while the input is not covered, and counts whole output tokens after it', () => {
    expect(affordableOutputTokens(pricing, 1000, 0)).toBe(0)
    expect(affordableOutputTokens(pricing, 1000, 2999)).toBe(0)
    expect(affordableOutputTokens(pricing, 1000, 3000)).toBe(0)
    expect(affordableOutputTokens(pricing, 1000, 3014)).toBe(0)
    expect(affordableOutputTokens(pricing, 1000, 3015)).toBe(1)
    expect(affordableOutputTokens(pricing, 1000, 3000 + 15 * 1000 + 14)).toBe(1000)
  })

  test('uses the dearest input rate, as the reservation does', () => {
    const withCache = exactPricing(sonnet)
    expect(affordableOutputTokens(withCache, 1000, 5999)).toBe(0)
    expect(affordableOutputTokens(withCache, 1000, 6015)).toBe(1)
  })

  test('free output is unlimited once the input is covered, and still 0 when it is not', () => {
    const freeOutput = exactPricing({ input: 3, output: 0 })
    expect(affordableOutputTokens(freeOutput, 1000, 3000)).toBe(Number.MAX_SAFE_INTEGER)
    expect(affordableOutputTokens(freeOutput, 1000, 2999)).toBe(0)
    expect(affordableOutputTokens(exactPricing({ input: 0, output: 0 }), 1000, 0)).toBe(Number.MAX_SAFE_INTEGER)
  })

  test('fractional output prices buy many tokens per micro', () => {
    expect(affordableOutputTokens(exactPricing({ input: 0, output: 0.025 }), 0, 1)).toBe(40)
  })

  test('what it affords, reserved, never exceeds what is available', () => {
    const prices: Pricing[] = [sonnet, { input: 0.3, output: 0.025 }, { input: 1.1, output: 3.75, cacheWrite: 1.375 }]
    for (const configured of prices) {
      const exact = exactPricing(configured)
      for (const availableMicros of [7, 1000, 3333, 123_457]) {
        const tokens = affordableOutputTokens(exact, 100, availableMicros)
        if (tokens === 0) continue
        expect(reservationMicros(exact, 100, tokens)).toBeLessThanOrEqual(availableMicros)
        expect(reservationMicros(exact, 100, tokens + 1)).toBeGreaterThan(availableMicros)
      }
    }
  })
})

describe('discountedPricing', () => {
  test('takes the discount off every rate, so a cost is the list cost times what is left, rounded up once', () => {
    const list = exactPricing({ input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 })
    const usage = { input: 1234, cacheRead: 5000, cacheWrite5m: 700, cacheWrite1h: 0, output: 987, reasoning: 0 }
    const quarterOff = discountedPricing(list, 0.25)
    // 1,234 × 3 + 5,000 × 0.3 + 700 × 3.75 + 987 × 15 = 22,632 µ$ at list price; a quarter off leaves 16,974.
    expect(costMicros(list, usage)).toBe(22_632)
    expect(costMicros(quarterOff, usage)).toBe(16_974)
    expect(discountedPricing(list, 0)).toBe(list)
    expect(costMicros(discountedPricing(list, 1), usage)).toBe(0)
  })
})
