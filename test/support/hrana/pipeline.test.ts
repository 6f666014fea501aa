import { afterEach, beforeEach, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startHranaServer, type HranaServer } from '../hrana-server.ts'
import type { HranaPipelineResponseBody, HranaStreamRequest } from './wire.ts'

// The wire details @libsql/client/web never exercises (it speaks v2 only, and never describes), sent as raw JSON.

let directory: string
let server: HranaServer

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'anvat-hrana-pipeline-'))
  server = startHranaServer({ databasePath: join(directory, 'wire.db') })
})
afterEach(async () => {
  await server.stop()
  rmSync(directory, { recursive: true, force: true })
})

type Sent = { status: number; contentType: string | null; text: string }

async function send(version: 2 | 3, baton: string | null, requests: HranaStreamRequest[]): Promise<Sent> {
  const response = await fetch(`${server.url}/v${version}/pipeline`, { method: 'POST', body: JSON.stringify({ baton, requests }) })
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() }
}
async function pipeline(version: 2 | 3, baton: string | null, requests: HranaStreamRequest[]): Promise<HranaPipelineResponseBody> {
  const sent = await send(version, baton, requests)
  expect(sent.status).toBe(200)
  return JSON.parse(sent.text) as HranaPipelineResponseBody
}
const execute = (sql: string, extra: object = {}): HranaStreamRequest => ({ type: 'execute', stmt: { sql, ...extra } })

test('answers the version checks and nothing it does not implement', async () => {
  expect((await fetch(`${server.url}/v2`)).status).toBe(200)
  expect((await fetch(`${server.url}/v3`)).status).toBe(200)
  expect((await fetch(`${server.url}/v3-protobuf`)).status).toBe(404)
  expect((await send(2, null, [])).status).toBe(200)
  const malformed = await fetch(`${server.url}/v2/pipeline`, { method: 'POST', body: '{"requests": [' })
  expect(malformed.status).toBe(400)
})

test('a baton carries the transaction to the next request, once, and close ends the stream', async () => {
  const opened = await pipeline(3, null, [execute('CREATE TABLE t (x INTEGER)'), execute('BEGIN'), { type: 'get_autocommit' }])
  expect(opened.results[2]).toEqual({ type: 'ok', response: { type: 'get_autocommit', is_autocommit: false } })
  expect(opened.baton).toBeString()

  const batch: HranaStreamRequest = {
    type: 'batch',
    batch: {
      steps: [
        { stmt: { sql: 'INSERT INTO t VALUES (1)' }, condition: { type: 'not', cond: { type: 'is_autocommit' } } },
        { stmt: { sql: 'INSERT INTO missing VALUES (2)' }, condition: { type: 'ok', step: 0 } },
        { stmt: { sql: 'SELECT count(*) FROM t' }, condition: { type: 'and', conds: [{ type: 'ok', step: 0 }, { type: 'error', step: 1 }] } },
        { stmt: { sql: 'SELECT 1' }, condition: { type: 'or', conds: [{ type: 'ok', step: 1 }, { type: 'is_autocommit' }] } },
      ],
    },
  }
  const continued = await pipeline(3, opened.baton, [batch])
  const response = continued.results[0]
  if (response?.type !== 'ok' || response.response.type !== 'batch') throw new Error(`unexpected ${JSON.stringify(response)}`)
  expect(response.response.result.step_errors.map((error) => error?.code ?? null)).toEqual([null, 'SQLITE_ERROR', null, null])
  expect(response.response.result.step_results[2]?.rows).toEqual([[{ type: 'integer', value: '1' }]])
  expect(response.response.result.step_results[3]).toBeNull()
  expect(continued.baton).not.toBe(opened.baton)

  const reused = await send(3, opened.baton, [execute('SELECT 1')])
  expect(reused.status).toBe(400)

  const closed = await pipeline(3, continued.baton, [execute('COMMIT'), { type: 'close' }])
  expect(closed.baton).toBeNull()
  expect(closed.results.map((result) => result.type)).toEqual(['ok', 'ok'])
})

test('v3-only requests and malformed batches are protocol errors that drop the stream', async () => {
  expect((await send(2, null, [{ type: 'get_autocommit' }])).status).toBe(400)
  const forward: HranaStreamRequest = { type: 'batch', batch: { steps: [{ stmt: { sql: 'SELECT 1' }, condition: { type: 'ok', step: 0 } }] } }
  expect((await send(3, null, [forward])).status).toBe(400)
  expect((await send(3, null, [execute('SELECT 1', { sql_id: 1 })])).status).toBe(400)
  expect((await send(3, null, [{ type: 'close' }, execute('SELECT 1')])).status).toBe(400)
})

test('stored SQL texts are per stream and limited like sqld', async () => {
  const stored = await pipeline(2, null, [
    { type: 'store_sql', sql_id: 7, sql: 'SELECT ? + 1' },
    { type: 'execute', stmt: { sql_id: 7, args: [{ type: 'integer', value: '41' }] } },
  ])
  const result = stored.results[1]
  expect(result?.type === 'ok' && result.response.type === 'execute' && result.response.result.rows).toEqual([[{ type: 'integer', value: '42' }]])
  expect((await send(2, null, [execute('SELECT 1', { sql_id: 7 })])).status).toBe(400)

  const many = Array.from({ length: 51 }, (_, index): HranaStreamRequest => ({ type: 'store_sql', sql_id: index, sql: 'SELECT 1' }))
  const overflow = await pipeline(2, null, many)
  expect(overflow.results.at(-1)).toEqual({ type: 'error', error: expect.objectContaining({ code: 'SQL_STORE_TOO_MANY' }) })
})

test('arguments that do not fit the statement are statement errors', async () => {
  const one = { type: 'integer', value: '1' } as const
  const body = await pipeline(2, null, [
    execute('SELECT ?, :a', { args: [one], named_args: [{ name: 'a', value: one }] }),
    execute('SELECT ?, ?', { args: [one] }),
    execute('SELECT :a, :b', { named_args: [{ name: 'a', value: one }] }),
    execute('   -- nothing'),
  ])
  expect(body.results.map((result) => (result.type === 'error' ? result.error.code : 'ok'))).toEqual([
    'ARGS_BOTH_POSITIONAL_AND_NAMED',
    'ARGS_INVALID',
    'ARGS_INVALID',
    'SQL_NO_STATEMENT',
  ])
})

test('describe reports parameters, columns and whether the statement writes', async () => {
  const body = await pipeline(2, null, [
    execute('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)'),
    { type: 'describe', sql: 'SELECT id, name AS label FROM t WHERE id = ? AND name = :name' },
    { type: 'describe', sql: 'INSERT INTO t (name) VALUES (?)' },
    { type: 'describe', sql: '/* plan */ EXPLAIN SELECT 1' },
  ])
  expect(body.results.slice(1)).toEqual([
    {
      type: 'ok',
      response: {
        type: 'describe',
        result: { params: [{ name: null }, { name: null }], cols: [{ name: 'id', decltype: 'INTEGER' }, { name: 'label', decltype: 'TEXT' }], is_explain: false, is_readonly: true },
      },
    },
    { type: 'ok', response: { type: 'describe', result: { params: [{ name: null }], cols: [], is_explain: false, is_readonly: false } } },
    { type: 'ok', response: { type: 'describe', result: expect.objectContaining({ is_explain: true, is_readonly: true }) } },
  ])
})

test('errors outside a stream use the content types the client parses', async () => {
  const expiring = startHranaServer({ databasePath: join(directory, 'expiring.db'), batonTimeoutMs: 20, authToken: 'token' })
  try {
    const headers = { authorization: 'Bearer token' }
    const opened = await fetch(`${expiring.url}/v2/pipeline`, { method: 'POST', headers, body: JSON.stringify({ baton: null, requests: [] }) })
    const { baton } = (await opened.json()) as HranaPipelineResponseBody
    await Bun.sleep(100)
    const expired = await fetch(`${expiring.url}/v2/pipeline`, { method: 'POST', headers, body: JSON.stringify({ baton, requests: [] }) })
    expect(expired.status).toBe(500)
    expect(expired.headers.get('content-type')).toBe('application/json')
    expect(await expired.json()).toEqual({ message: 'The stream has expired due to inactivity', code: 'STREAM_EXPIRED' })
    const unauthorized = await fetch(`${expiring.url}/v2/pipeline`, { method: 'POST', body: JSON.stringify({ baton: null, requests: [] }) })
    expect(unauthorized.status).toBe(401)
  } finally {
    await expiring.stop()
  }
})
