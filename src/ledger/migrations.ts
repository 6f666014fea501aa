import initial from '../../drizzle/0000_initial.sql' with { type: 'text' }
import ledger from '../../drizzle/0001_ledger.sql' with { type: 'text' }
import ledgerTriggers from '../../drizzle/0002_ledger_triggers.sql' with { type: 'text' }
import storedResponses from '../../drizzle/0003_stored_responses.sql' with { type: 'text' }
import usageAttempts from '../../drizzle/0004_usage_attempts.sql' with { type: 'text' }
import spendMarks from '../../drizzle/0005_spend_marks.sql' with { type: 'text' }
import selfServeAccounts from '../../drizzle/0006_self_serve_accounts.sql' with { type: 'text' }
import prices from '../../drizzle/0007_prices.sql' with { type: 'text' }
import upstreamRequestId from '../../drizzle/0008_upstream_request_id.sql' with { type: 'text' }
import type { SqlClient, SqlStatement } from './sql-client.ts'

/**
 * The migrations drizzle-kit generated into drizzle/, imported as text so the compiled binary carries them: nothing
 * reads that folder at run time. The order matches drizzle/meta/_journal.json, which a test checks.
 */
export const migrations: ReadonlyArray<{ tag: string; sql: string }> = [
  { tag: '0000_initial', sql: initial },
  { tag: '0001_ledger', sql: ledger },
  { tag: '0002_ledger_triggers', sql: ledgerTriggers },
  { tag: '0003_stored_responses', sql: storedResponses },
  { tag: '0004_usage_attempts', sql: usageAttempts },
  { tag: '0005_spend_marks', sql: spendMarks },
  { tag: '0006_self_serve_accounts', sql: selfServeAccounts },
  { tag: '0007_prices', sql: prices },
  { tag: '0008_upstream_request_id', sql: upstreamRequestId },
]

const breakpoint = '--> statement-breakpoint'

/**
 * Applies the migrations not yet recorded in `anvat_migrations`, each as one atomic batch together with its record,
 * so a crash mid-migration leaves nothing half-applied. When two processes start together on one database, the loser
 * of the race fails its batch, sees the winner's record, and moves on.
 */
export async function applyMigrations(client: SqlClient, nowMs: number): Promise<string[]> {
  await client.run({
    sql: 'CREATE TABLE IF NOT EXISTS anvat_migrations (tag TEXT PRIMARY KEY NOT NULL, applied_at_ms INTEGER NOT NULL)',
    args: [],
  })
  const applied: string[] = []
  for (const migration of migrations) {
    if (await isApplied(client, migration.tag)) continue
    const statements = migration.sql
      .split(breakpoint)
      .filter((statement) => statement.trim() !== '')
      .map((sql): SqlStatement => ({ sql, args: [] }))
    statements.push({ sql: 'INSERT INTO anvat_migrations (tag, applied_at_ms) VALUES (?, ?)', args: [migration.tag, nowMs] })
    try {
      await client.batch(statements)
      applied.push(migration.tag)
    } catch (error) {
      if (!(await isApplied(client, migration.tag))) throw error
    }
  }
  return applied
}

async function isApplied(client: SqlClient, tag: string): Promise<boolean> {
  const rows = await client.query({ sql: 'SELECT 1 AS applied FROM anvat_migrations WHERE tag = ?', args: [tag] })
  return rows.length > 0
}
