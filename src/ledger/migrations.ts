import type { Database } from 'bun:sqlite'
import initial from '../../drizzle/0000_initial.sql' with { type: 'text' }

/**
 * The migrations drizzle-kit generated into drizzle/, imported as text so the compiled binary carries them: nothing
 * reads that folder at run time. The order matches drizzle/meta/_journal.json, which a test checks.
 */
export const migrations: ReadonlyArray<{ tag: string; sql: string }> = [{ tag: '0000_initial', sql: initial }]

const breakpoint = '--> statement-breakpoint'

/**
 * Applies the migrations not yet recorded in `anvat_migrations`, each in its own immediate transaction, so two
 * processes starting on one database cannot apply the same migration twice.
 */
export function applyMigrations(database: Database, nowMs: number): string[] {
  database.run('CREATE TABLE IF NOT EXISTS anvat_migrations (tag TEXT PRIMARY KEY NOT NULL, applied_at_ms INTEGER NOT NULL)')
  const applied: string[] = []
  for (const migration of migrations) {
    const apply = database.transaction(() => {
      const done = database.query('SELECT 1 FROM anvat_migrations WHERE tag = ?').get(migration.tag)
      if (done !== null) return false
      for (const statement of migration.sql.split(breakpoint)) {
        if (statement.trim() !== '') database.run(statement)
      }
      database.run('INSERT INTO anvat_migrations (tag, applied_at_ms) VALUES (?, ?)', [migration.tag, nowMs])
      return true
    })
    if (apply.immediate()) applied.push(migration.tag)
  }
  return applied
}
