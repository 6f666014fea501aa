import { openLedger } from '../ledger/database.ts'
import { migrateHelp } from './help.ts'
import { exitCodes, type CommandIo } from './io.ts'
import { parse } from './keys.ts'
import { describeLocation, ledgerLocation, ledgerOptions } from './ledger-options.ts'

/** `anvat migrate`: brings a ledger's schema up to date (serve does this too; this is for deploy pipelines). */
export async function migrateCommand(argv: string[], io: CommandIo, now: () => number): Promise<number> {
  const parsed = parse(argv, io, { ...ledgerOptions, help: { type: 'boolean', short: 'h' } }, 'anvat migrate')
  if (typeof parsed === 'number') return parsed
  if (parsed.values.help) {
    io.stdout(migrateHelp)
    return exitCodes.ok
  }
  const location = ledgerLocation(parsed.values, io)
  const connection = await openLedger(location, now())
  connection.close()
  const applied = connection.appliedMigrations
  io.stdout(applied.length === 0 ? `${describeLocation(location)} is up to date.\n` : `Applied to ${describeLocation(location)}: ${applied.join(', ')}\n`)
  return exitCodes.ok
}
