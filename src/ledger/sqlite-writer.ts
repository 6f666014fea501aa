/**
 * The ledger's writer thread: a second bun:sqlite connection to the ledger file that runs every write batch, so
 * commits (WAL writes, and now and then a checkpoint's fsync) happen beside the request path instead of on it. It
 * answers each batch in order with its results or its error's message. Started by `sqliteWriterClient`; listed as a
 * build entrypoint so the compiled binary carries it.
 */
import { Database } from 'bun:sqlite'
import { sqliteClient, type SqlClient } from './sql-client.ts'
import { configureSqlite, type WriterReply, type WriterRequest } from './sqlite-writer-protocol.ts'

declare const self: Worker

let database: SqlClient | undefined

function answer(request: WriterRequest): WriterReply {
  try {
    if (request.type === 'open') {
      const connection = new Database(request.path, { strict: true })
      configureSqlite(connection)
      database = sqliteClient(connection)
      return { id: request.id, ok: true, results: [] }
    }
    const open = database ?? new Error('the ledger writer has no database open')
    if (open instanceof Error) throw open
    if (request.type === 'close') {
      open.close()
      database = undefined
      return { id: request.id, ok: true, results: [] }
    }
    return { id: request.id, ok: true, results: open.batchSync!(request.statements) }
  } catch (error) {
    return { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) }
  }
}

self.onmessage = (event: MessageEvent<WriterRequest>) => {
  self.postMessage(answer(event.data))
}
