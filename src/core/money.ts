/*
 * Money is integer micro-USD inside the gateway; decimal USD strings exist only at the edges (CLI flags, headers,
 * JSON). Conversions here never pass through floating point.
 */

const microsPerUsd = 1_000_000
const usdPattern = /^(\d{1,12})(?:\.(\d{1,6}))?$/

/** Parses a decimal USD amount such as `5`, `12.50` or `0.000001` into micro-USD; undefined if malformed. */
export function parseUsdToMicros(text: string): number | undefined {
  const match = usdPattern.exec(text.trim())
  if (match === null) return undefined
  const whole = Number(match[1])
  const fraction = Number((match[2] ?? '').padEnd(6, '0'))
  const micros = whole * microsPerUsd + fraction
  return Number.isSafeInteger(micros) ? micros : undefined
}

/** A config figure in USD (a JSON number) as micro-USD, rounded to the micro-dollar; 0 when out of range. */
export function usdToMicros(usd: number): number {
  return parseUsdToMicros(usd.toFixed(6)) ?? 0
}

/** Formats micro-USD as a decimal USD string with up to six places and no trailing zeros: `1.5`, `0.000123`. */
export function formatMicrosAsUsd(micros: number): string {
  const sign = micros < 0 ? '-' : ''
  const absolute = Math.abs(micros)
  const whole = Math.floor(absolute / microsPerUsd)
  const fraction = String(absolute % microsPerUsd).padStart(6, '0').replace(/0+$/, '')
  return fraction === '' ? `${sign}${whole}` : `${sign}${whole}.${fraction}`
}

/** Micro-USD for people, as on a receipt: at least two decimal places, more only when cents would hide a charge. */
export function formatMicrosForPeople(micros: number): string {
  const text = formatMicrosAsUsd(micros)
  const point = text.indexOf('.')
  if (point < 0) return `${text}.00`
  return text.length - point - 1 < 2 ? text.padEnd(point + 3, '0') : text
}
