import { Database } from 'bun:sqlite'
import { afterEach, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hashApiKey } from '../../src/ledger/api-key.ts'
import { openLedger } from '../../src/ledger/database.ts'
import { createKey, findKeyByHash, listKeys, revokeKey } from '../../src/ledger/keys.ts'

const directories: string[] = []
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true })
})

function temporaryDatabasePath(): string {
  const directory = mkdtempSync(join(tmpdir(), 'anvat-keys-'))
  directories.push(directory)
  return join(directory, 'anvat.db')
}

test('a new key is high-entropy, stored only as its hash and prefix, with its credit as an opening grant', async () => {
  const path = temporaryDatabasePath()
  const ledger = await openLedger({ path }, 1000)
  const created = await createKey(ledger, { name: 'team', creditMicros: 5_000_000, rpm: 60, concurrency: 4, windowSpendMicros: 1_000_000 }, 1000)
  ledger.close()
  expect(created.key).toMatch(/^anv_[0-9A-Za-z]{40}$/)

  const raw = new Database(path, { readonly: true })
  const dump = JSON.stringify([
    raw.query('SELECT * FROM api_keys').all(),
    raw.query('SELECT * FROM accounts').all(),
    raw.query('SELECT * FROM ledger_entries').all(),
  ])
  expect(dump).not.toContain(created.key)
  expect(dump).toContain(hashApiKey(created.key))
  expect(raw.query('SELECT kind, amount_micros AS amount FROM ledger_entries').all()).toEqual([{ kind: 'grant', amount: 5_000_000 }])
  expect(raw.query('SELECT balance_micros AS balance FROM accounts').get()).toEqual({ balance: 5_000_000 })
  raw.close()

  const reopened = await openLedger({ path }, 2000)
  expect(await findKeyByHash(reopened, hashApiKey(created.key))).toMatchObject({ id: created.id, rpm: 60, concurrency: 4, windowSpendMicros: 1_000_000, revokedAtMs: null })
  reopened.close()
})

test('two keys never collide, and revoking works once', async () => {
  const ledger = await openLedger({ path: temporaryDatabasePath() }, 0)
  const first = await createKey(ledger, { name: 'a', creditMicros: 0 }, 0)
  const second = await createKey(ledger, { name: 'b', creditMicros: 1 }, 1)
  expect(first.key).not.toBe(second.key)
  expect(await revokeKey(ledger, first.id, 5)).toEqual({ keyHash: hashApiKey(first.key) })
  expect(await revokeKey(ledger, first.id, 6)).toBeUndefined()
  expect(await revokeKey(ledger, 'key_missing', 6)).toBeUndefined()
  const listed = await listKeys(ledger)
  expect(listed.map((key) => [key.id, key.revokedAtMs, key.balanceMicros])).toEqual([
    [second.id, null, 1],
    [first.id, 5, 0],
  ])
  ledger.close()
})
