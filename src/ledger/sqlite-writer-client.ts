import type { Database } from 'bun:sqlite'
import { sqliteClient, type SqlClient, type SqlStatement } from './sql-client.ts'
import type { WriterReply, WriterRequest } from './sqlite-writer-protocol.ts'

/**
 * Where the writer's code is: beside this file when running from source; in a compiled binary, an entrypoint of the
 * build (package.json `build`, scripts/release.ts), named by its path from the source root.
 */
function writerEntry(): string {
  const compiled = import.meta.url.includes('/$bunfs/') || import.meta.url.includes('~BUN')
  return compiled ? './ledger/sqlite-writer.ts' : new URL('./sqlite-writer.ts', import.meta.url).href
}

type WithoutId<Request> = Request extends unknown ? Omit<Request, 'id'> : never

/**
 * A bun:sqlite ledger whose writes run on a writer thread (src/ledger/sqlite-writer.ts) with its own connection to
 * the file, while reads stay on `database` in the caller's thread. Under load the writes are most of the ledger's
 * cost, so this keeps them, and WAL checkpoints, off the request path. Reads see each write once its reply has been
 * received (WAL: a committed transaction is visible to every later read). There is no `batchSync`: a write finishes
 * on the other thread, and its bookkeeping runs when the reply arrives.
 */
export async function sqliteWriterClient(database: Database, path: string): Promise<SqlClient> {
  const worker = new Worker(writerEntry())
  const waiting = new Map<number, { resolve: (results: Array<{ rowsAffected: number }>) => void; reject: (error: Error) => void }>()
  let nextId = 0
  let failure: Error | undefined
  worker.onmessage = (event: MessageEvent<WriterReply>) => {
    const reply = event.data
    const waiter = waiting.get(reply.id)
    waiting.delete(reply.id)
    if (reply.ok) waiter?.resolve(reply.results)
    else waiter?.reject(new Error(reply.message))
  }
  worker.onerror = (event) => {
    failure = new Error(`the ledger writer thread failed: ${event.message}`)
    for (const waiter of waiting.values()) waiter.reject(failure)
    waiting.clear()
  }
  const ask = (request: WithoutId<WriterRequest>) =>
    new Promise<Array<{ rowsAffected: number }>>((resolve, reject) => {
      if (failure !== undefined) return reject(failure)
      nextId += 1
      waiting.set(nextId, { resolve, reject })
      worker.postMessage({ ...request, id: nextId } as WriterRequest)
    })
  await ask({ type: 'open', path })
  const reads = sqliteClient(database)
  return {
    kind: 'sqlite',
    query: reads.query,
    querySync: reads.querySync,
    run: async (statement) => (await ask({ type: 'batch', statements: [statement] }))[0]!,
    batch: (statements: SqlStatement[]) => ask({ type: 'batch', statements }),
    close: () => {
      // Replies already asked for still arrive: the writer answers in order, closes its connection, then stops.
      void ask({ type: 'close' }).finally(() => worker.terminate())
      database.close()
    },
  }
}
