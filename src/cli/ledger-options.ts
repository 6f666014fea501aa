import type { LedgerLocation } from '../ledger/database.ts'
import type { CommandIo } from './io.ts'

/** The flags every ledger command takes: a local file, or a shared libSQL database. */
export const ledgerOptions = {
  db: { type: 'string' },
  'database-url': { type: 'string' },
} as const

/**
 * Where the ledger is: `--database-url` / `ANVAT_DATABASE_URL` (with `ANVAT_DATABASE_AUTH_TOKEN`) when given, else
 * `--db` / `ANVAT_DB`, else ./anvat.db.
 */
export function ledgerLocation(values: { db?: string; 'database-url'?: string }, io: CommandIo): LedgerLocation {
  const url = values['database-url'] ?? io.env.ANVAT_DATABASE_URL
  if (url !== undefined && url !== '') {
    const authToken = io.env.ANVAT_DATABASE_AUTH_TOKEN
    return authToken === undefined || authToken === '' ? { url } : { url, authToken }
  }
  return { path: values.db ?? io.env.ANVAT_DB ?? './anvat.db' }
}

/** A location for messages: the path, or the URL without credentials. */
export function describeLocation(location: LedgerLocation): string {
  return 'path' in location ? location.path : location.url.replace(/\/\/[^@/]*@/, '//')
}
