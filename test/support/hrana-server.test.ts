import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, LibsqlBatchError, LibsqlError, type Client, type Config } from '@libsql/client/web'
import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/libsql/web'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { startHranaServer, type HranaServer, type HranaServerOptions } from './hrana-server.ts'

// Every test drives the server with the real @libsql/client/web, so passing means the gateway's client accepts it.

let directory: string
let databasePath: string
const servers: HranaServer[] = []
const clients: Client[] = []

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'anvat-hrana-'))
  databasePath = join(directory, 'ledger.db')
})
afterEach(async () => {
  for (const client of clients.splice(0)) client.close()
  for (const server of servers.splice(0)) await server.stop()
  rmSync(directory, { recursive: true, force: true })
})

function start(options: Partial<HranaServerOptions> = {}): HranaServer {
  const server = startHranaServer({ databasePath, ...options })
  servers.push(server)
  return server
}
function connect(server: HranaServer, config: Partial<Config> = {}): Client {
  const client = createClient({ url: server.url, ...config })
  clients.push(client)
  return client
}
async function rejection(promise: Promise<unknown>): Promise<LibsqlError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  if (!(error instanceof LibsqlError)) throw new Error(`expected a LibsqlError, got ${String(error)}`)
  return error
}
async function count(client: Client, table: string): Promise<number> {
  const result = await client.execute(`SELECT count(*) AS n FROM ${table}`)
  return Number(result.rows[0]?.n)
}

describe('execute', () => {
  test('binds positional and named arguments and reports the write', async () => {
    const client = connect(start())
    await client.execute('CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER)')
    const inserted = await client.execute({ sql: 'INSERT INTO people (name, age) VALUES (?, ?)', args: ['Ada', 36] })
    expect(inserted.rowsAffected).toBe(1)
    expect(inserted.lastInsertRowid).toBe(1n)
    await client.execute({ sql: 'INSERT INTO people (name, age) VALUES (:name, $age)', args: { name: 'Grace', age: 85 } })
    await client.execute({ sql: 'INSERT INTO people (name, age) VALUES (:name, @age)', args: { ':name': 'Alan', '@age': 41 } })

    const selected = await client.execute({ sql: 'SELECT id, name, age FROM people WHERE age > ? ORDER BY id', args: [40] })
    expect(selected.columns).toEqual(['id', 'name', 'age'])
    expect(selected.columnTypes).toEqual(['INTEGER', 'TEXT', 'INTEGER'])
    expect(selected.rows.map((row) => [row.id, row.name, row.age])).toEqual([[2, 'Grace', 85], [3, 'Alan', 41]])
    expect(selected.rowsAffected).toBe(0)
  })

  test('round-trips integers past 2^31 exactly, and int64 in bigint mode', async () => {
    const server = start()
    const values = [2 ** 31, -(2 ** 31) - 1, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]
    const client = connect(server)
    for (const value of values) {
      const result = await client.execute({ sql: 'SELECT ? AS value, typeof(?) AS type', args: [BigInt(value), BigInt(value)] })
      expect(result.rows[0]?.value).toBe(value)
      expect(result.rows[0]?.type).toBe('integer')
    }
    const bigintClient = connect(server, { intMode: 'bigint' })
    const result = await bigintClient.execute({ sql: 'SELECT ? AS max, ? AS min', args: [2n ** 63n - 1n, -(2n ** 63n)] })
    expect(result.rows[0]?.max).toBe(2n ** 63n - 1n)
    expect(result.rows[0]?.min).toBe(-(2n ** 63n))
  })

  test('round-trips NULL, floats, text and blobs with their SQLite types', async () => {
    const client = connect(start())
    await client.execute('CREATE TABLE things (n, f, t, b)')
    const blob = new Uint8Array([0, 1, 2, 253, 254, 255])
    await client.execute({ sql: 'INSERT INTO things VALUES (?, ?, ?, ?)', args: [null, 0.1, 'héllo, 世界 🚀', blob] })
    await client.execute({ sql: 'INSERT INTO things VALUES (?, ?, ?, ?)', args: [null, -1.5e300, '', new Uint8Array()] })
    const result = await client.execute('SELECT n, f, t, b, typeof(n), typeof(f), typeof(t), typeof(b) FROM things ORDER BY rowid')
    const [first, second] = result.rows
    expect(first?.n).toBeNull()
    expect(first?.f).toBe(0.1)
    expect(first?.t).toBe('héllo, 世界 🚀')
    expect(new Uint8Array(first?.b as ArrayBuffer)).toEqual(blob)
    expect([first?.[4], first?.[5], first?.[6], first?.[7]]).toEqual(['null', 'real', 'text', 'blob'])
    expect(second?.f).toBe(-1.5e300)
    expect(second?.t).toBe('')
    expect(new Uint8Array(second?.b as ArrayBuffer)).toEqual(new Uint8Array())
  })

  test('refuses two statements in one execute, as sqld does', async () => {
    const client = connect(start())
    const error = await rejection(client.execute('SELECT 1; SELECT 2'))
    expect(error.code).toBe('SQL_MANY_STATEMENTS')
    expect((await client.execute('SELECT 1 AS one; -- trailing comment')).rows[0]?.one).toBe(1)
  })
})

describe('errors', () => {
  test('a constraint failure carries sqld’s SQLite code and message', async () => {
    const client = connect(start())
    await client.execute('CREATE TABLE transfers (id TEXT PRIMARY KEY, amount INTEGER CHECK (amount > 0))')
    await client.execute({ sql: 'INSERT INTO transfers VALUES (?, ?)', args: ['r1:reserve', 10] })
    const duplicate = await rejection(client.execute({ sql: 'INSERT INTO transfers VALUES (?, ?)', args: ['r1:reserve', 10] }))
    expect(duplicate.code).toBe('SQLITE_CONSTRAINT')
    expect(duplicate.message).toContain('UNIQUE constraint failed: transfers.id')
    const negative = await rejection(client.execute({ sql: 'INSERT INTO transfers VALUES (?, ?)', args: ['r2:reserve', -1] }))
    expect(negative.code).toBe('SQLITE_CONSTRAINT')
    expect(negative.message).toContain('CHECK constraint failed')
  })

  test('errorCodeStyle extended reports the extended code instead', async () => {
    const client = connect(start({ errorCodeStyle: 'extended' }))
    await client.execute('CREATE TABLE transfers (id TEXT PRIMARY KEY, amount INTEGER CHECK (amount > 0), note TEXT UNIQUE)')
    await client.execute("INSERT INTO transfers VALUES ('a', 1, 'x')")
    expect((await rejection(client.execute("INSERT INTO transfers VALUES ('a', 1, 'y')"))).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY')
    expect((await rejection(client.execute("INSERT INTO transfers VALUES ('b', 1, 'x')"))).code).toBe('SQLITE_CONSTRAINT_UNIQUE')
    expect((await rejection(client.execute("INSERT INTO transfers VALUES ('c', 0, 'z')"))).code).toBe('SQLITE_CONSTRAINT_CHECK')
  })

  test('a wrong or missing token is rejected with HTTP 401, the right one accepted', async () => {
    const server = start({ authToken: 'right-token' })
    const wrong = await rejection(connect(server, { authToken: 'wrong-token' }).execute('SELECT 1'))
    expect(wrong.code).toBe('SERVER_ERROR')
    expect(wrong.message).toContain('401')
    expect((await rejection(connect(server).execute('SELECT 1'))).message).toContain('401')
    expect((await connect(server, { authToken: 'right-token' }).execute('SELECT 1 AS one')).rows[0]?.one).toBe(1)
  })
})

describe('batch', () => {
  test('a write batch is atomic: a failing CHECK in the middle undoes the statements before it', async () => {
    const client = connect(start())
    await client.execute('CREATE TABLE accounts (id TEXT PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))')
    const results = await client.batch(
      [
        { sql: 'INSERT INTO accounts VALUES (?, ?)', args: ['a', 100] },
        { sql: 'INSERT INTO accounts VALUES (?, ?)', args: ['b', 0] },
      ],
      'write',
    )
    expect(results.map((result) => result.rowsAffected)).toEqual([1, 1])

    const error = await rejection(
      client.batch(
        [
          { sql: 'UPDATE accounts SET balance = balance + 50 WHERE id = ?', args: ['b'] },
          { sql: 'UPDATE accounts SET balance = balance - 150 WHERE id = ?', args: ['a'] },
          { sql: 'INSERT INTO accounts VALUES (?, ?)', args: ['c', 1] },
        ],
        'write',
      ),
    )
    expect(error).toBeInstanceOf(LibsqlBatchError)
    expect((error as LibsqlBatchError).statementIndex).toBe(1)
    expect(error.code).toBe('SQLITE_CONSTRAINT')
    const balances = await client.execute('SELECT id, balance FROM accounts ORDER BY id')
    expect(balances.rows.map((row) => [row.id, row.balance])).toEqual([['a', 100], ['b', 0]])
  })

  test('executeMultiple runs a script, including a trigger whose body holds semicolons', async () => {
    const client = connect(start())
    await client.executeMultiple(`
      CREATE TABLE entries (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL); -- the journal
      CREATE TABLE totals (total INTEGER NOT NULL);
      INSERT INTO totals VALUES (0);
      CREATE TRIGGER entries_total AFTER INSERT ON entries BEGIN
        UPDATE totals SET total = total + new.amount;
        SELECT CASE WHEN (SELECT total FROM totals) < 0 THEN RAISE(ABORT, 'total; below zero') END;
      END;
      INSERT INTO entries (amount) VALUES (5), (7);
    `)
    expect((await client.execute('SELECT total FROM totals')).rows[0]?.total).toBe(12)
    const error = await rejection(client.execute('INSERT INTO entries (amount) VALUES (-100)'))
    expect(error.code).toBe('SQLITE_CONSTRAINT')
    expect(error.message).toContain('total; below zero')
    const failed = await rejection(client.executeMultiple('INSERT INTO totals VALUES (1); INSERT INTO nowhere VALUES (1); INSERT INTO totals VALUES (2)'))
    expect(failed.message).toContain('no such table: nowhere')
    expect(await count(client, 'totals')).toBe(2)
  })
})

describe('interactive transactions', () => {
  test('a transaction spans several requests and stays invisible to other connections until commit', async () => {
    const server = start()
    const client = connect(server)
    const observer = connect(server)
    await client.execute('CREATE TABLE items (name TEXT NOT NULL)')
    const requestsBefore = server.requests()

    const transaction = await client.transaction('write')
    await transaction.execute({ sql: 'INSERT INTO items VALUES (?)', args: ['first'] })
    await transaction.execute({ sql: 'INSERT INTO items VALUES (?)', args: ['second'] })
    expect(Number((await transaction.execute('SELECT count(*) AS n FROM items')).rows[0]?.n)).toBe(2)
    expect(await count(observer, 'items')).toBe(0)
    await transaction.commit()
    expect(await count(observer, 'items')).toBe(2)
    expect(server.requests() - requestsBefore).toBeGreaterThanOrEqual(4)

    const rolledBack = await client.transaction('write')
    await rolledBack.execute({ sql: 'INSERT INTO items VALUES (?)', args: ['never'] })
    await rolledBack.rollback()
    expect(await count(observer, 'items')).toBe(2)
  })

  test("read mode (libSQL's BEGIN TRANSACTION READONLY) reads and refuses writes", async () => {
    const client = connect(start())
    await client.execute('CREATE TABLE items (name TEXT NOT NULL)')
    await client.execute("INSERT INTO items VALUES ('one')")
    const [rows] = await client.batch(['SELECT name FROM items'], 'read')
    expect(rows?.rows.map((row) => row.name)).toEqual(['one'])
    const reading = await client.transaction('read')
    expect((await rejection(reading.execute("INSERT INTO items VALUES ('two')"))).code).toBe('SQLITE_READONLY')
    await reading.commit()
    await client.execute("INSERT INTO items VALUES ('two')")
    expect(await count(client, 'items')).toBe(2)
  })

  test('a second writer waits for the first to commit instead of failing', async () => {
    const server = start()
    const first = connect(server)
    const second = connect(server)
    await first.execute('CREATE TABLE log (writer TEXT NOT NULL)')
    const holding = await first.transaction('write')
    await holding.execute("INSERT INTO log VALUES ('first')")
    const waiting = second.execute("INSERT INTO log VALUES ('second')")
    // The waiting write runs between event-loop turns, so the first writer's next requests still get through.
    await holding.execute("INSERT INTO log VALUES ('first again')")
    await holding.commit()
    await waiting
    const rows = await first.execute('SELECT writer FROM log ORDER BY rowid')
    expect(rows.rows.map((row) => row.writer)).toEqual(['first', 'first again', 'second'])
  })

  test('an abandoned transaction is rolled back when its baton expires', async () => {
    const batonTimeoutMs = 100
    const server = start({ batonTimeoutMs })
    const client = connect(server)
    const other = connect(server)
    await client.execute('CREATE TABLE items (name TEXT NOT NULL)')
    const abandoned = await client.transaction('write')
    await abandoned.execute("INSERT INTO items VALUES ('lost')")
    await Bun.sleep(batonTimeoutMs * 3)
    const error = await rejection(abandoned.execute('SELECT 1'))
    expect(error.code).toBe('STREAM_EXPIRED')
    await other.execute("INSERT INTO items VALUES ('kept')")
    expect((await other.execute('SELECT name FROM items')).rows.map((row) => row.name)).toEqual(['kept'])
  })
})

describe('concurrency', () => {
  test('200 parallel increments from two clients end at exactly 200', async () => {
    const server = start()
    const [first, second] = [connect(server), connect(server)]
    await first.execute('CREATE TABLE counter (value INTEGER NOT NULL)')
    await first.execute('INSERT INTO counter VALUES (0)')
    const increments = Array.from({ length: 200 }, (_, index) =>
      (index % 2 === 0 ? first : second).execute('UPDATE counter SET value = value + 1'),
    )
    const results = await Promise.all(increments)
    expect(results.every((result) => result.rowsAffected === 1)).toBe(true)
    expect((await second.execute('SELECT value FROM counter')).rows[0]?.value).toBe(200)
  })

  test('parallel write batches and transactions all land', async () => {
    const server = start()
    const clients = [connect(server), connect(server), connect(server)]
    await clients[0]?.execute('CREATE TABLE moves (id TEXT PRIMARY KEY)')
    const work = Array.from({ length: 30 }, async (_, index) => {
      const client = clients[index % clients.length] as Client
      if (index % 3 === 0) {
        const transaction = await client.transaction('write')
        await transaction.execute({ sql: 'INSERT INTO moves VALUES (?)', args: [`t${index}`] })
        await transaction.commit()
        return
      }
      await client.batch([{ sql: 'INSERT INTO moves VALUES (?)', args: [`b${index}`] }, { sql: 'INSERT INTO moves VALUES (?)', args: [`c${index}`] }], 'write')
    })
    await Promise.all(work)
    expect(await count(clients[1] as Client, 'moves')).toBe(10 + 20 * 2)
  })
})

describe('drizzle over the server', () => {
  test('drizzle-orm/libsql/web inserts and selects', async () => {
    const client = connect(start())
    await client.execute('CREATE TABLE accounts (id TEXT PRIMARY KEY, balance_micros INTEGER NOT NULL)')
    const accounts = sqliteTable('accounts', { id: text('id').primaryKey(), balanceMicros: integer('balance_micros').notNull() })
    const database = drizzle({ client })
    await database.insert(accounts).values([
      { id: 'acct_1', balanceMicros: 9_000_000_000_000 },
      { id: 'acct_2', balanceMicros: 5 },
    ])
    expect(await database.select().from(accounts).where(eq(accounts.id, 'acct_1'))).toEqual([{ id: 'acct_1', balanceMicros: 9_000_000_000_000 }])
    const updated = await database.update(accounts).set({ balanceMicros: 6 }).where(eq(accounts.id, 'acct_2')).returning()
    expect(updated).toEqual([{ id: 'acct_2', balanceMicros: 6 }])
  })
})
