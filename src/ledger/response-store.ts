import type { SqlClient, SqlStatement } from './sql-client.ts'

/*
 * Conversation state for OpenAI Responses clients on models whose upstream keeps none (a Claude model behind
 * /v1/responses): each response's resolved items, so a follow-up's `previous_response_id` can be expanded to them.
 * Rows live in the ledger database (`stored_responses`), so gateways sharing one libSQL ledger share them, and every
 * write is one atomic batch, as in the rest of the ledger: no interactive transactions, the same SQL on either driver.
 */

export type ResponseStoreOptions = {
  now: () => number
  /** How long a response can be continued after it was created; 0 keeps none. */
  retentionMs: number
  /** Largest one response's items may be, as UTF-8 JSON. */
  itemsBytesMax: number
  /** Most bytes of items one key keeps in total; its oldest responses are evicted past it. */
  keyBytesMax: number
}

/** The store the /v1/responses route expands `previous_response_id` from. */
export type ResponseStore = {
  /**
   * Keeps a response's items for the key. Returns false, storing nothing, when the items are larger than
   * `itemsBytesMax` (or `keyBytesMax`, which they would overflow alone), or when retention is 0. Saving an id again
   * keeps the first items: response ids are unique, so a second save can only be a retry.
   */
  save: (entry: { responseId: string; keyId: string; items: unknown[] }) => Promise<boolean>
  /** The items stored for this key and id, or undefined (unknown, expired, or another key's). */
  load: (keyId: string, responseId: string) => Promise<unknown[] | undefined>
  /** Deletes expired responses, and the oldest of a key beyond keyBytesMax; returns how many were deleted. */
  prune: () => Promise<number>
}

/**
 * Most rows one prune statement deletes: each chunk is its own short write transaction, so the ledger's own writers
 * (settlements, holds) never wait behind one long delete.
 */
const pruneChunkRows = 1_000

/** Most keys over their cap that one prune call trims; the rest are trimmed by the next call (or their next save). */
const pruneKeysMax = 1_000

/** Creates the response store over the ledger's database. */
export function createResponseStore(client: SqlClient, options: ResponseStoreOptions): ResponseStore {
  const { now, retentionMs, keyBytesMax } = options
  // A response larger than the key's whole allowance would be evicted by its own save: refuse it up front instead.
  const itemsBytesMax = Math.min(options.itemsBytesMax, keyBytesMax)

  const save: ResponseStore['save'] = async (entry) => {
    if (retentionMs <= 0) return false
    const itemsJson = JSON.stringify(entry.items)
    const itemsBytes = Buffer.byteLength(itemsJson, 'utf8')
    if (itemsBytes > itemsBytesMax) return false
    const nowMs = now()
    // The cap is enforced in the same batch as the insert, not left to prune: the bound then holds after every
    // save, whether or not a pruner is running, and the write lock keeps two saves for one key from racing past it.
    // The cost is one index walk over the key's rows per save; the rows are large (whole conversations), so few.
    await client.batch([
      {
        sql: `INSERT OR IGNORE INTO stored_responses (id, key_id, created_at_ms, expires_at_ms, items_bytes, items_json)
              VALUES (?, ?, ?, ?, ?, ?)`,
        args: [entry.responseId, entry.keyId, nowMs, nowMs + retentionMs, itemsBytes, itemsJson],
      },
      evictBeyondCap(entry.keyId, keyBytesMax),
    ])
    return true
  }

  const load: ResponseStore['load'] = async (keyId, responseId) => {
    // The key is part of the lookup, so another key's id reads exactly like an unknown one, and the expiry is too,
    // so an expired row is gone for callers whether or not prune has run.
    const rows = await client.query<{ items_json: string }>({
      sql: 'SELECT items_json FROM stored_responses WHERE id = ? AND key_id = ? AND expires_at_ms > ?',
      args: [responseId, keyId, now()],
    })
    const row = rows[0]
    return row === undefined ? undefined : (JSON.parse(row.items_json) as unknown[])
  }

  const prune: ResponseStore['prune'] = async () => {
    const nowMs = now()
    let deleted = 0
    for (;;) {
      const { rowsAffected } = await client.run({
        sql: `DELETE FROM stored_responses WHERE id IN (
                SELECT id FROM stored_responses WHERE expires_at_ms <= ? LIMIT ${pruneChunkRows})`,
        args: [nowMs],
      })
      deleted += rowsAffected
      if (rowsAffected < pruneChunkRows) break
    }
    // Saves keep every key under its cap; a key is over it here only when the cap was lowered since its last save.
    const overCap = await client.query<{ key_id: string }>({
      sql: `SELECT key_id FROM stored_responses GROUP BY key_id HAVING SUM(items_bytes) > ? LIMIT ${pruneKeysMax}`,
      args: [keyBytesMax],
    })
    for (const row of overCap) deleted += (await client.run(evictBeyondCap(row.key_id, keyBytesMax))).rowsAffected
    return deleted
  }

  return { save, load, prune }
}

/**
 * Deletes a key's oldest responses until the rest fit in `keyBytesMax`: a running total from the newest down keeps
 * each row while the total stays within the cap, so what goes is always a run of the oldest. Expired rows count
 * too (they are still on disk), and being the oldest they go first.
 */
function evictBeyondCap(keyId: string, keyBytesMax: number): SqlStatement {
  return {
    sql: `DELETE FROM stored_responses WHERE id IN (
            SELECT id FROM (
              SELECT id, SUM(items_bytes) OVER (ORDER BY created_at_ms DESC, id DESC ROWS UNBOUNDED PRECEDING) AS newer_bytes
              FROM stored_responses WHERE key_id = ?)
            WHERE newer_bytes > ?)`,
    args: [keyId, keyBytesMax],
  }
}
