import { creditPack, packMicros } from '../accounts/packs.ts'
import { loadConfig } from '../config/load.ts'
import { formatMicrosAsUsd, parseUsdToMicros } from '../core/money.ts'
import { randomBase62 } from '../core/ids.ts'
import { openLedger } from '../ledger/database.ts'
import { listEntries } from '../ledger/entries.ts'
import { findKeyById } from '../ledger/keys.ts'
import { createLedger } from '../ledger/ledger.ts'
import { defaultLimits } from '../config/schema.ts'
import { creditHelp } from './help.ts'
import { exitCodes, usageError, type CommandIo } from './io.ts'
import { parse } from './keys.ts'
import { ledgerLocation, ledgerOptions } from './ledger-options.ts'

/** `anvat credit add|show`: top up a key's account, or list its ledger entries. */
export async function creditCommand(argv: string[], io: CommandIo, now: () => number): Promise<number> {
  const [subcommand, ...rest] = argv
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h') {
    io.stdout(creditHelp)
    return subcommand === undefined ? exitCodes.usage : exitCodes.ok
  }
  if (subcommand !== 'add' && subcommand !== 'show') return usageError(io, `unknown credit command '${subcommand}'`, 'anvat credit')
  const parsed = parse(
    rest,
    io,
    {
      ...ledgerOptions,
      help: { type: 'boolean', short: 'h' },
      key: { type: 'string' },
      usd: { type: 'string' },
      pack: { type: 'string' },
      config: { type: 'string' },
      note: { type: 'string' },
      json: { type: 'boolean' },
    },
    'anvat credit',
  )
  if (typeof parsed === 'number') return parsed
  const { values } = parsed
  if (values.help) {
    io.stdout(creditHelp)
    return exitCodes.ok
  }
  if (values.key === undefined) return usageError(io, `credit ${subcommand} needs --key ID`, 'anvat credit')
  if (subcommand === 'add' && values.pack !== undefined) return grantPack(io, now, values.key, values.pack, values.config ?? io.env.ANVAT_CONFIG, values)
  const amountMicros = subcommand === 'add' ? parseUsdToMicros(values.usd ?? '') : 0
  if (amountMicros === undefined || (subcommand === 'add' && amountMicros === 0)) {
    return usageError(io, `credit add needs --usd with a positive USD amount, got '${values.usd ?? ''}'`, 'anvat credit')
  }

  const connection = await openLedger(ledgerLocation(values, io), now())
  try {
    const key = await findKeyById(connection, values.key)
    if (key === undefined) {
      io.stderr(`anvat: no key with id '${values.key}'\n`)
      return exitCodes.data
    }
    const ledger = createLedger(connection.client, { now, instanceId: `cli_${randomBase62(12)}`, timings: { ...defaultLimits, sweepIntervalMs: 3_600_000 } })
    try {
      if (subcommand === 'add') {
        const id = `topup_${randomBase62(20)}`
        await ledger.credit({ id, accountId: key.accountId, kind: 'top-up', amountMicros, note: values.note ?? null })
        const balance = await ledger.balance(key.accountId)
        io.stdout(`Added $${formatMicrosAsUsd(amountMicros)} to ${key.id} (entry ${id}); balance $${formatMicrosAsUsd(balance?.balanceMicros ?? 0)}.\n`)
        return exitCodes.ok
      }
      const balance = await ledger.balance(key.accountId)
      const entries = await listEntries(connection, key.accountId)
      if (values.json) {
        io.stdout(`${JSON.stringify({ key: key.id, balance_usd: formatMicrosAsUsd(balance?.balanceMicros ?? 0), entries: entries.map(jsonEntry) }, null, 2)}\n`)
      } else {
        io.stdout(`Key ${key.id} (${key.name}): balance $${formatMicrosAsUsd(balance?.balanceMicros ?? 0)}\n`)
        for (const entry of entries.map(jsonEntry)) {
          io.stdout(`${entry.created_at}  ${entry.kind.padEnd(10)}  ${entry.amount_usd.padStart(14)}  ${entry.id}${entry.note === null ? '' : `  ${entry.note}`}\n`)
        }
      }
      return exitCodes.ok
    } finally {
      await ledger.stop()
    }
  } finally {
    connection.close()
  }
}

/** A ledger entry as JSON: signed decimal USD, ISO time. */
export function jsonEntry(entry: { id: string; kind: string; amountMicros: number; requestId: string | null; note: string | null; createdAtMs: number }) {
  return {
    id: entry.id,
    kind: entry.kind,
    amount_usd: formatMicrosAsUsd(entry.amountMicros),
    request_id: entry.requestId,
    note: entry.note,
    created_at: new Date(entry.createdAtMs).toISOString(),
  }
}

/** `anvat credit add --pack`: grants a pack of the config to the key's account, as the admin API's packs route does. */
async function grantPack(io: CommandIo, now: () => number, keyId: string, packId: string, configPath: string | undefined, values: Parameters<typeof ledgerLocation>[0]): Promise<number> {
  if (configPath === undefined) return usageError(io, 'credit add --pack needs the config that lists the packs: --config FILE or env ANVAT_CONFIG', 'anvat credit')
  const loaded = loadConfig(await Bun.file(configPath).text().catch(() => ''), io.env)
  if (!loaded.ok) {
    io.stderr(`anvat: invalid config in ${configPath}:\n${loaded.errors.map((error) => `  ${error}\n`).join('')}`)
    return exitCodes.config
  }
  const pack = loaded.config.packs.find((candidate) => candidate.id === packId)
  if (pack === undefined) return usageError(io, `no pack '${packId}' in ${configPath} (packs: ${loaded.config.packs.map((known) => known.id).join(', ') || 'none'})`, 'anvat credit')
  const connection = await openLedger(ledgerLocation(values, io), now())
  try {
    const key = await findKeyById(connection, keyId)
    if (key === undefined) {
      io.stderr(`anvat: no key with id '${keyId}'\n`)
      return exitCodes.data
    }
    const id = `operator:${randomBase62(20)}`
    const { creditMicros } = packMicros(pack)
    await creditPack(connection, { id, accountId: key.accountId, packId: pack.id, source: 'operator', paidMicros: 0, creditMicros, eventId: null }, now())
    const [row] = await connection.client.query<{ balance_micros: number }>({ sql: 'SELECT balance_micros FROM accounts WHERE id = ?', args: [key.accountId] })
    io.stdout(`Granted pack ${pack.id} ($${formatMicrosAsUsd(creditMicros)}) to ${key.id} (payment ${id}); balance $${formatMicrosAsUsd(Number(row?.balance_micros ?? 0))}.\n`)
    return exitCodes.ok
  } finally {
    connection.close()
  }
}
