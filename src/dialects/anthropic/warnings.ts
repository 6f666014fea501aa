import type { Warning } from '../../core/canonical.ts'

/** The warnings once each, in first-seen order: one dropped field per request is reported once, not per block. */
export function uniqueWarnings(warnings: Warning[]): Warning[] {
  const seen = new Set<string>()
  return warnings.filter((warning) => {
    const key = `${warning.code}\u0000${warning.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
