import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createResponseStore, type ResponseStoreOptions } from '../../src/ledger/response-store.ts'
import { fakeClock, ledgerBackends, openTestDatabase, scalar, type FakeClock, type TestDatabase } from '../support/ledger-harness.ts'

const dayMs = 86_400_000

/** A one-item array whose JSON is exactly `bytes` long: `["xxx…"]` is the string plus four bytes. */
function itemsOfBytes(bytes: number): unknown[] {
  return ['x'.repeat(bytes - 4)]
}

describe.each(ledgerBackends)('response store on %s', (backend) => {
  let database: TestDatabase
  let clock: FakeClock
  const client = () => database.connection.client
  const open = (options: Partial<ResponseStoreOptions> = {}) =>
    createResponseStore(client(), { now: clock.now, retentionMs: 30 * dayMs, itemsBytesMax: 4096, keyBytesMax: 1_000_000, ...options })
  const storedIds = async () =>
    (await client().query<{ id: string }>({ sql: 'SELECT id FROM stored_responses ORDER BY id', args: [] })).map((row) => row.id)

  beforeEach(async () => {
    clock = fakeClock()
    database = await openTestDatabase(backend, clock.now())
  })
  afterEach(async () => {
    await database.close()
  })

  test('saved items load back deep-equal, for the key that saved them', async () => {
    const store = open()
    const items = [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Grüß dich 👋 "quoted"\n' }] },
      { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{"q":1}' },
      { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: null },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: '', annotations: [] }], extra: { nested: [1, 2.5, true] } },
    ]
    expect(await store.save({ responseId: 'resp_a', keyId: 'key_1', items })).toBe(true)
    expect(await store.load('key_1', 'resp_a')).toEqual(items)
    expect(await store.load('key_1', 'resp_unknown')).toBeUndefined()
  })

  test("another key's response reads exactly like an unknown one", async () => {
    const store = open()
    await store.save({ responseId: 'resp_a', keyId: 'key_1', items: ['mine'] })
    expect(await store.load('key_2', 'resp_a')).toBeUndefined()
    expect(await store.load('key_2', 'resp_missing')).toBeUndefined()
    expect(await store.load('key_1', 'resp_a')).toEqual(['mine'])
  })

  test('a response is visible until its retention ends, invisible from then on, and deleted by prune', async () => {
    const store = open({ retentionMs: 1000 })
    await store.save({ responseId: 'resp_old', keyId: 'key_1', items: ['old'] })
    clock.advance(500)
    await store.save({ responseId: 'resp_new', keyId: 'key_1', items: ['new'] })

    clock.advance(499)
    expect(await store.load('key_1', 'resp_old')).toEqual(['old'])
    expect(await store.prune()).toBe(0)

    clock.advance(1)
    expect(await store.load('key_1', 'resp_old')).toBeUndefined()
    expect(await store.load('key_1', 'resp_new')).toEqual(['new'])
    expect(await storedIds()).toEqual(['resp_new', 'resp_old'])
    expect(await store.prune()).toBe(1)
    expect(await storedIds()).toEqual(['resp_new'])

    clock.advance(500)
    expect(await store.load('key_1', 'resp_new')).toBeUndefined()
    expect(await store.prune()).toBe(1)
    expect(await storedIds()).toEqual([])
  })

  test('prune deletes every expired response, past one chunk', async () => {
    const store = open({ retentionMs: 1000 })
    // Seeded in one statement: 2,500 saves one by one take seconds over HTTP.
    await client().run({
      sql: `WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < 2500)
            INSERT INTO stored_responses (id, key_id, created_at_ms, expires_at_ms, items_bytes, items_json)
            SELECT 'resp_' || n, 'key_' || (n % 7), ?, ?, 2, '[]' FROM counter`,
      args: [clock.now(), clock.now() + 1000],
    })
    await store.save({ responseId: 'resp_saved', keyId: 'key_1', items: [] })
    clock.advance(1000)
    expect(await store.prune()).toBe(2_501)
    expect(await scalar(client(), 'SELECT COUNT(*) AS value FROM stored_responses')).toBe(0)
  })

  test('a response up to itemsBytesMax is kept; one byte more is refused and writes nothing', async () => {
    const store = open({ itemsBytesMax: 100 })
    expect(await store.save({ responseId: 'resp_fits', keyId: 'key_1', items: itemsOfBytes(100) })).toBe(true)
    expect(await store.save({ responseId: 'resp_over', keyId: 'key_1', items: itemsOfBytes(101) })).toBe(false)
    expect(await storedIds()).toEqual(['resp_fits'])
    expect(await scalar(client(), "SELECT items_bytes AS value FROM stored_responses WHERE id = 'resp_fits'")).toBe(100)
  })

  test('size is counted in UTF-8 bytes, not characters', async () => {
    const store = open({ itemsBytesMax: 100 })
    // 48 two-byte characters: 52 characters of JSON, 100 bytes.
    expect(await store.save({ responseId: 'resp_fits', keyId: 'key_1', items: ['é'.repeat(48)] })).toBe(true)
    expect(await store.save({ responseId: 'resp_over', keyId: 'key_1', items: ['é'.repeat(49)] })).toBe(false)
    expect(await store.load('key_1', 'resp_fits')).toEqual(['é'.repeat(48)])
  })

  test("past keyBytesMax a key's oldest responses are evicted, and no other key's", async () => {
    const store = open({ itemsBytesMax: 100, keyBytesMax: 300 })
    await store.save({ responseId: 'resp_other', keyId: 'key_2', items: itemsOfBytes(100) })
    for (const id of ['resp_1', 'resp_2', 'resp_3']) {
      clock.advance(1)
      await store.save({ responseId: id, keyId: 'key_1', items: itemsOfBytes(100) })
    }
    expect(await storedIds()).toEqual(['resp_1', 'resp_2', 'resp_3', 'resp_other'])

    clock.advance(1)
    await store.save({ responseId: 'resp_4', keyId: 'key_1', items: itemsOfBytes(60) })
    expect(await store.load('key_1', 'resp_1')).toBeUndefined()
    expect(await storedIds()).toEqual(['resp_2', 'resp_3', 'resp_4', 'resp_other'])

    clock.advance(1)
    await store.save({ responseId: 'resp_5', keyId: 'key_1', items: itemsOfBytes(40) })
    expect(await storedIds()).toEqual(['resp_2', 'resp_3', 'resp_4', 'resp_5', 'resp_other'])
    expect(await scalar(client(), "SELECT SUM(items_bytes) AS value FROM stored_responses WHERE key_id = 'key_1'")).toBe(300)

    clock.advance(1)
    await store.save({ responseId: 'resp_6', keyId: 'key_1', items: itemsOfBytes(100) })
    expect(await storedIds()).toEqual(['resp_3', 'resp_4', 'resp_5', 'resp_6', 'resp_other'])
    expect(await store.load('key_2', 'resp_other')).toEqual(itemsOfBytes(100))
  })

  test('saves racing for one key still leave it within its cap', async () => {
    const store = open({ itemsBytesMax: 100, keyBytesMax: 500 })
    const saved = await Promise.all(Array.from({ length: 20 }, (_, index) => store.save({ responseId: `resp_${index}`, keyId: 'key_1', items: itemsOfBytes(100) })))
    expect(saved.every(Boolean)).toBe(true)
    expect(await scalar(client(), "SELECT COUNT(*) AS value FROM stored_responses WHERE key_id = 'key_1'")).toBe(5)
    expect(await scalar(client(), "SELECT SUM(items_bytes) AS value FROM stored_responses WHERE key_id = 'key_1'")).toBe(500)
  })

  test('a response larger than the whole key allowance is refused rather than evicting everything', async () => {
    const store = open({ itemsBytesMax: 1000, keyBytesMax: 200 })
    await store.save({ responseId: 'resp_small', keyId: 'key_1', items: itemsOfBytes(100) })
    expect(await store.save({ responseId: 'resp_big', keyId: 'key_1', items: itemsOfBytes(201) })).toBe(false)
    expect(await storedIds()).toEqual(['resp_small'])
  })

  test('prune trims a key over a cap lowered since its responses were saved', async () => {
    await open({ itemsBytesMax: 100, keyBytesMax: 1000 }).save({ responseId: 'resp_1', keyId: 'key_1', items: itemsOfBytes(100) })
    clock.advance(1)
    await open({ itemsBytesMax: 100, keyBytesMax: 1000 }).save({ responseId: 'resp_2', keyId: 'key_1', items: itemsOfBytes(100) })
    const lowered = open({ itemsBytesMax: 100, keyBytesMax: 150 })
    expect(await lowered.prune()).toBe(1)
    expect(await storedIds()).toEqual(['resp_2'])
    expect(await lowered.prune()).toBe(0)
  })

  test('saving an id again keeps the first items and one row', async () => {
    const store = open()
    expect(await store.save({ responseId: 'resp_a', keyId: 'key_1', items: ['first'] })).toBe(true)
    clock.advance(10)
    expect(await store.save({ responseId: 'resp_a', keyId: 'key_1', items: ['second'] })).toBe(true)
    expect(await store.load('key_1', 'resp_a')).toEqual(['first'])
    expect(await scalar(client(), 'SELECT COUNT(*) AS value FROM stored_responses')).toBe(1)
    expect(await scalar(client(), 'SELECT created_at_ms AS value FROM stored_responses')).toBe(clock.now() - 10)
  })

  test('many items keep their order', async () => {
    const store = open({ itemsBytesMax: 4 * 1024 * 1024 })
    const items = Array.from({ length: 5_000 }, (_, index) => ({ type: 'message', role: index % 2 === 0 ? 'user' : 'assistant', content: `turn ${index}` }))
    expect(await store.save({ responseId: 'resp_long', keyId: 'key_1', items })).toBe(true)
    expect(await store.load('key_1', 'resp_long')).toEqual(items)
  })

  test('retention 0 keeps nothing', async () => {
    const store = open({ retentionMs: 0 })
    expect(await store.save({ responseId: 'resp_a', keyId: 'key_1', items: ['x'] })).toBe(false)
    expect(await store.load('key_1', 'resp_a')).toBeUndefined()
    expect(await storedIds()).toEqual([])
  })
})
