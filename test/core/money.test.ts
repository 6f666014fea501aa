import { expect, test } from 'bun:test'
import { formatMicrosAsUsd, formatMicrosForPeople, parseUsdToMicros } from '../../src/core/money.ts'

test('parses decimal USD into exact micro-USD', () => {
  expect(parseUsdToMicros('5')).toBe(5_000_000)
  expect(parseUsdToMicros('2.50')).toBe(2_500_000)
  expect(parseUsdToMicros('0.000001')).toBe(1)
  expect(parseUsdToMicros('0.1')).toBe(100_000)
  expect(parseUsdToMicros('0.0000001')).toBeUndefined()
  expect(parseUsdToMicros('-1')).toBeUndefined()
  expect(parseUsdToMicros('1e3')).toBeUndefined()
  expect(parseUsdToMicros('')).toBeUndefined()
})

test('formats micro-USD without float noise or trailing zeros', () => {
  expect(formatMicrosAsUsd(5_000_000)).toBe('5')
  expect(formatMicrosAsUsd(2_500_000)).toBe('2.5')
  expect(formatMicrosAsUsd(1)).toBe('0.000001')
  expect(formatMicrosAsUsd(300_000)).toBe('0.3')
  expect(formatMicrosAsUsd(-1_234_567)).toBe('-1.234567')
})

test('formatMicrosForPeople: at least cents, and every digit a sub-cent charge needs', () => {
  expect(formatMicrosForPeople(2_000_000)).toBe('2.00')
  expect(formatMicrosForPeople(1_500_000)).toBe('1.50')
  expect(formatMicrosForPeople(1_230_000)).toBe('1.23')
  expect(formatMicrosForPeople(1_032)).toBe('0.001032')
  expect(formatMicrosForPeople(0)).toBe('0.00')
  expect(formatMicrosForPeople(-2_500_000)).toBe('-2.50')
})
