import { defaultLimits } from '../config/schema.ts'
import { auditLedger, type AuditReport } from '../ledger/audit.ts'
import { openLedger } from '../ledger/database.ts'
import { auditHelp } from './help.ts'
import { exitCodes, type CommandIo } from './io.ts'
import { parse } from './keys.ts'
import { describeLocation, ledgerLocation, ledgerOptions } from './ledger-options.ts'

/**
 * `anvat audit`: proves the ledger's books (src/ledger/audit.ts) and prints a summary, or the report as JSON; exits 0
 * when they hold and 65 (data error) on any discrepancy, so a deploy or CI step can stop on it.
 */
export async function auditCommand(argv: string[], io: CommandIo, now: () => number): Promise<number> {
  const parsed = parse(argv, io, { ...ledgerOptions, help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } }, 'anvat audit')
  if (typeof parsed === 'number') return parsed
  if (parsed.values.help) {
    io.stdout(auditHelp)
    return exitCodes.ok
  }
  const location = ledgerLocation(parsed.values, io)
  const connection = await openLedger(location, now())
  try {
    const report = await auditLedger(connection.client, { nowMs: now(), instanceTimeoutMs: defaultLimits.instanceTimeoutMs, reservationTimeoutMs: defaultLimits.reservationTimeoutMs })
    io.stdout(parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : describeReport(report, describeLocation(location)))
    return report.ok ? exitCodes.ok : exitCodes.data
  } finally {
    connection.close()
  }
}

/** The report for people: what was checked, then each kind of problem with its count and first examples. */
export function describeReport(report: AuditReport, where: string): string {
  const lines = [
    `Audited ${where}: ${report.accounts} accounts, ${report.entries} ledger entries, ${report.usageRecords} usage records (${report.pricedRecords} costs recomputed from their rates), ${report.openHolds} holds open.`,
  ]
  if (report.ok) lines.push('The books hold: every balance is the sum of its entries, every charge its usage at its rates, every hold given back.')
  else {
    for (const [kind, count] of Object.entries(report.problemCounts)) lines.push(`${kind}: ${count}`)
    for (const problem of report.problems) lines.push(`  ${problem.kind} ${problem.subject}: ${problem.detail}`)
    const listed = report.problems.length
    const total = Object.values(report.problemCounts).reduce((sum, count) => sum + (count ?? 0), 0)
    if (total > listed) lines.push(`  … and ${total - listed} more (--json lists the first ${listed})`)
  }
  return `${lines.join('\n')}\n`
}
