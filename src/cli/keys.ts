import { parseArgs, type ParseArgsConfig } from 'node:util'
import { formatMicrosAsUsd, parseUsdToMicros } from '../core/money.ts'
import { openLedger } from '../ledger/database.ts'
import { createKey, describeKey, listKeys, revokeKey, type KeyListing } from '../ledger/keys.ts'
import { keysHelp } from './help.ts'
import { exitCodes, usageError, type CommandIo } from './io.ts'
import { ledgerLocation, ledgerOptions } from './ledger-options.ts'

const helpOption = { help: { type: 'boolean', short: 'h' } } as const

/** `anvat keys create|list|revoke`. */
export async function keysCommand(argv: string[], io: CommandIo, now: () => number): Promise<number> {
  const [subcommand, ...rest] = argv
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h') {
    io.stdout(keysHelp)
    return subcommand === undefined ? exitCodes.usage : exitCodes.ok
  }
  switch (subcommand) {
    case 'create':
      return createCommand(rest, io, now)
    case 'list':
      return listCommand(rest, io, now)
    case 'revoke':
      return revokeCommand(rest, io, now)
    default:
      return usageError(io, `unknown keys command '${subcommand}'`, 'anvat keys')
  }
}

async function createCommand(argv: string[], io: CommandIo, now: () => number): Promise<number> {
  const parsed = parse(argv, io, {
    ...ledgerOptions,
    ...helpOption,
    name: { type: 'string' },
    credit: { type: 'string' },
    rpm: { type: 'string' },
    concurrency: { type: 'string' },
    'window-spend-usd': { type: 'string' },
  })
  if (typeof parsed === 'number') return parsed
  const { values } = parsed
  if (values.help) return help(io)
  if (values.name === undefined || values.name.trim() === '') return usageError(io, 'keys create needs --name NAME', 'anvat keys')
  if (values.credit === undefined) return usageError(io, 'keys create needs --credit USD', 'anvat keys')
  const creditMicros = parseUsdToMicros(values.credit)
  if (creditMicros === undefined) return usageError(io, `--credit must be a USD amount such as 10 or 2.50, got '${values.credit}'`, 'anvat keys')
  const rpm = positiveInteger(values.rpm)
  const concurrency = positiveInteger(values.concurrency)
  const windowSpendMicros = values['window-spend-usd'] === undefined ? null : parseUsdToMicros(values['window-spend-usd'])
  if (rpm === undefined) return usageError(io, `--rpm must be a whole number of at least 1, got '${values.rpm}'`, 'anvat keys')
  if (concurrency === undefined) return usageError(io, `--concurrency must be a whole number of at least 1, got '${values.concurrency}'`, 'anvat keys')
  if (windowSpendMicros === undefined) return usageError(io, `--window-spend-usd must be a USD amount, got '${values['window-spend-usd']}'`, 'anvat keys')

  const ledger = await openLedger(ledgerLocation(values, io), now())
  try {
    const name = values.name.trim()
    const created = await createKey(ledger, { name, creditMicros, rpm, concurrency, windowSpendMicros }, now())
    io.stdout(`Created key ${created.id} (${name}) with $${formatMicrosAsUsd(creditMicros)} credit.\n`)
    io.stdout('Store it now: it is shown only once.\n')
    io.stdout(`${created.key}\n`)
    return exitCodes.ok
  } finally {
    ledger.close()
  }
}

async function listCommand(argv: string[], io: CommandIo, now: () => number): Promise<number> {
  const parsed = parse(argv, io, { ...ledgerOptions, ...helpOption, json: { type: 'boolean' } })
  if (typeof parsed === 'number') return parsed
  if (parsed.values.help) return help(io)
  const ledger = await openLedger(ledgerLocation(parsed.values, io), now())
  try {
    const keys = await listKeys(ledger)
    if (parsed.values.json) io.stdout(`${JSON.stringify(keys.map(describeKey), null, 2)}\n`)
    else io.stdout(table(keys))
    return exitCodes.ok
  } finally {
    ledger.close()
  }
}

async function revokeCommand(argv: string[], io: CommandIo, now: () => number): Promise<number> {
  const parsed = parse(argv, io, { ...ledgerOptions, ...helpOption })
  if (typeof parsed === 'number') return parsed
  if (parsed.values.help) return help(io)
  const [id, ...extra] = parsed.positionals
  if (id === undefined || extra.length > 0) return usageError(io, 'keys revoke takes exactly one key id', 'anvat keys')
  const ledger = await openLedger(ledgerLocation(parsed.values, io), now())
  try {
    if ((await revokeKey(ledger, id, now())) === undefined) {
      io.stderr(`anvat: no active key with id '${id}'\n`)
      return exitCodes.data
    }
    io.stdout(`Revoked key ${id}.\n`)
    return exitCodes.ok
  } finally {
    ledger.close()
  }
}

/** Parses a subcommand's flags strictly; a usage error is printed and returned as its exit code. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], io: CommandIo, options: T, helpCommand = 'anvat keys') {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true })
  } catch (error) {
    return usageError(io, (error as Error).message, helpCommand)
  }
}

function help(io: CommandIo): number {
  io.stdout(keysHelp)
  return exitCodes.ok
}

/** null when absent, undefined when malformed. */
function positiveInteger(text: string | undefined): number | null | undefined {
  if (text === undefined) return null
  if (!/^\d{1,9}$/.test(text)) return undefined
  const value = Number(text)
  return value >= 1 ? value : undefined
}

function table(keys: KeyListing[]): string {
  if (keys.length === 0) return 'No keys yet. Create one with: anvat keys create --name NAME --credit USD\n'
  const rows = [['ID', 'NAME', 'PREFIX', 'BALANCE USD', 'RPM', 'CONCURRENCY', 'WINDOW USD', 'CREATED', 'STATUS']]
  for (const key of keys.map(describeKey)) {
    rows.push([
      key.id,
      key.name,
      `${key.prefix}…`,
      key.balance_usd,
      String(key.rpm ?? '-'),
      String(key.concurrency ?? '-'),
      key.window_spend_usd ?? '-',
      key.created_at,
      key.revoked_at === null ? 'active' : `revoked ${key.revoked_at}`,
    ])
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n'
}
