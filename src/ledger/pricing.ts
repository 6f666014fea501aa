import type { Pricing } from '../config/schema.ts'
import type { Usage } from '../core/usage.ts'

/*
 * Prices are USD per million tokens, which is exactly micro-USD per token. They are held as whole pico-USD per token
 * (micro-USD × 10^6), exact for up to six decimal places, and multiplied in BigInt, so a cost is computed without
 * floating point and rounded once: UP to the next whole micro-USD, so fractions are never given away.
 */

const picoPerMicro = 1_000_000n

/** A model's prices in pico-USD per token. */
export type ExactPricing = { input: bigint; output: bigint; cacheWrite5m: bigint; cacheWrite1h: bigint; cacheRead: bigint }

/** Each rate at its highest among `pricings`: a hold that must cover whichever of several models answers. */
export function dearestPricing(pricings: readonly ExactPricing[]): ExactPricing {
  const most = (rate: keyof ExactPricing) => pricings.reduce((highest, pricing) => (pricing[rate] > highest ? pricing[rate] : highest), 0n)
  return { input: most('input'), output: most('output'), cacheWrite5m: most('cacheWrite5m'), cacheWrite1h: most('cacheWrite1h'), cacheRead: most('cacheRead') }
}

/** Converts configured prices once. Cache writes default to the input price, 1-hour writes to the 5-minute price. */
export function exactPricing(pricing: Pricing): ExactPricing {
  const pico = (usdPerMillion: number) => BigInt(Math.round(usdPerMillion * 1_000_000))
  const cacheWrite5m = pico(pricing.cacheWrite ?? pricing.input)
  return {
    input: pico(pricing.input),
    output: pico(pricing.output),
    cacheWrite5m,
    cacheWrite1h: pricing.cacheWrite1h === undefined ? cacheWrite5m : pico(pricing.cacheWrite1h),
    cacheRead: pico(pricing.cacheRead ?? pricing.input),
  }
}

/** Parts per million a discount is held in, so applying it stays in integers. */
const discountScale = 1_000_000n

/**
 * Prices with a plan's discount taken off every rate (0.2 = 20% off), each rounded down to the pico-USD, so the
 * discounted cost is never above the list cost times (1 − discount) by more than a pico-USD per token.
 */
export function discountedPricing(pricing: ExactPricing, discount: number): ExactPricing {
  if (discount <= 0) return pricing
  const keep = discountScale - BigInt(Math.round(Math.min(1, discount) * 1_000_000))
  const apply = (rate: bigint) => (rate * keep) / discountScale
  return { input: apply(pricing.input), output: apply(pricing.output), cacheWrite5m: apply(pricing.cacheWrite5m), cacheWrite1h: apply(pricing.cacheWrite1h), cacheRead: apply(pricing.cacheRead) }
}

/** The cost of `usage` in whole micro-USD, rounded up once. Reasoning is inside output and never added again. */
export function costMicros(pricing: ExactPricing, usage: Usage): number {
  const pico =
    BigInt(usage.input) * pricing.input +
    BigInt(usage.cacheRead) * pricing.cacheRead +
    BigInt(usage.cacheWrite5m) * pricing.cacheWrite5m +
    BigInt(usage.cacheWrite1h) * pricing.cacheWrite1h +
    BigInt(usage.output) * pricing.output
  return Number((pico + picoPerMicro - 1n) / picoPerMicro)
}

/** The worst case to reserve: the input estimate at the dearest input rate, plus every allowed output token. */
export function reservationMicros(pricing: ExactPricing, inputTokens: number, outputTokensMax: number): number {
  const inputRate = [pricing.input, pricing.cacheWrite5m, pricing.cacheWrite1h].reduce((most, rate) => (rate > most ? rate : most))
  const pico = BigInt(inputTokens) * inputRate + BigInt(outputTokensMax) * pricing.output
  return Number((pico + picoPerMicro - 1n) / picoPerMicro)
}

/** How many output tokens `availableMicros` pays for once the input is covered (0 if it does not cover the input). */
export function affordableOutputTokens(pricing: ExactPricing, inputTokens: number, availableMicros: number): number {
  const inputRate = [pricing.input, pricing.cacheWrite5m, pricing.cacheWrite1h].reduce((most, rate) => (rate > most ? rate : most))
  const leftPico = BigInt(availableMicros) * picoPerMicro - BigInt(inputTokens) * inputRate
  if (leftPico < 0n) return 0
  if (pricing.output === 0n) return Number.MAX_SAFE_INTEGER
  const tokens = leftPico / pricing.output
  return tokens > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(tokens)
}
