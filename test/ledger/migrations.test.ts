import { Database } from 'bun:sqlite'
import { expect, test } from 'bun:test'
import journal from '../../drizzle/meta/_journal.json'
import { applyMigrations, migrations } from '../../src/ledger/migrations.ts'
import { sqliteClient } from '../../src/ledger/sql-client.ts'

test('the embedded migrations are exactly the ones in drizzle-kit’s journal, in order', async () => {
  expect(migrations.map((migration) => migration.tag)).toEqual(journal.entries.map((entry) => entry.tag))
  for (const migration of migrations) {
    expect(migration.sql).toBe(await Bun.file(`drizzle/${migration.tag}.sql`).text())
  }
})

test('applying twice changes nothing the second time', async () => {
  const database = new Database(':memory:')
  const client = sqliteClient(database)
  expect(await applyMigrations(client, 1)).toEqual(migrations.map((migration) => migration.tag))
  expect(await applyMigrations(client, 2)).toEqual([])
  const tables = database.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>
  expect(tables.map((table) => table.name)).toEqual([
    'accounts',
    'anvat_migrations',
    'api_keys',
    'email_tokens',
    'gateway_instances',
    'ledger_entries',
    'open_reservations',
    'payments',
    'prices',
    'sessions',
    'spend_marks',
    'stored_responses',
    'usage_records',
    'users',
  ])
})
