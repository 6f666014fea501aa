import type { SqlClient, SqlStatement } from './sql-client.ts'

/**
 * What a queued entry may ask for beyond its statements: `retry: false` for an entry whose failure is an answer, not
 * an outage (a hold the balance no longer covers), so it fails at once instead of being retried; and `onWritten`,
 * run as soon as the entry's commit is done, in the same tick as the write when the driver is synchronous.
 */
export type GroupCommitOptions = { retry?: boolean; onWritten?: () => void }

type Pending = { statements: SqlStatement[]; options: GroupCommitOptions; resolve: () => void; reject: (error: unknown) => void }

/** How long a failed group commit waits before trying again, doubling up to the maximum. */
const retryDelayMs = 50
const retryDelayMaxMs = 5_000

/**
 * Group commit: settlements queue up for `delayMs` (and while a write is in flight) and go to the database together in
 * one transaction, so the ledger keeps up with the proxy (one commit per batch, not per request). The wait matters
 * for bun:sqlite, whose writes finish within the tick that starts them: without it only the settlements of one tick
 * would share a commit. Each settlement's statements are idempotent, so a batch that failed can be retried whole
 * without double-charging anything.
 */
export function createGroupCommit(client: SqlClient, entriesMax: number, delayMs = 0, onCommit?: (durationMs: number, entries: number) => void) {
  const queue: Pending[] = []
  let writing: Promise<void> | undefined
  let gathering: ReturnType<typeof setTimeout> | undefined
  let failureDelayMs = retryDelayMs

  /** Writes entries as one transaction; with a synchronous driver their hooks run in the tick that wrote them. */
  const write = async (entries: Pending[]) => {
    const statements = entries.flatMap((pending) => pending.statements)
    const startedMs = performance.now()
    if (client.batchSync !== undefined) client.batchSync(statements)
    else await client.batch(statements)
    onCommit?.(performance.now() - startedMs, entries.length)
    for (const pending of entries) pending.options.onWritten?.()
  }

  const writeAll = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.splice(0, entriesMax)
      try {
        await write(batch)
        failureDelayMs = retryDelayMs
        for (const pending of batch) pending.resolve()
      } catch (error) {
        if (batch.length > 1) {
          // One bad entry must not sink the others: write them one by one, keeping only the failures queued.
          const failed: Pending[] = []
          for (const pending of batch) {
            try {
              await write([pending])
              pending.resolve()
            } catch (entryError) {
              if (pending.options.retry === false) pending.reject(entryError)
              // Kept for the retry below; its own error is reported if it never succeeds.
              else failed.push(pending)
            }
          }
          if (failed.length === 0) continue
          queue.unshift(...failed)
        } else if (batch[0]?.options.retry === false) {
          batch[0].reject(error)
          continue
        } else queue.unshift(...batch)
        // The database is unreachable or busy: keep the entries, in order, and try again after a pause.
        await Bun.sleep(failureDelayMs)
        failureDelayMs = Math.min(retryDelayMaxMs, failureDelayMs * 2)
        if (failureDelayMs === retryDelayMaxMs) {
          for (const pending of queue.splice(0)) pending.reject(error)
        }
      }
    }
  }

  const schedule = () => {
    clearTimeout(gathering)
    gathering = undefined
    writing ??= writeAll().finally(() => {
      writing = undefined
      if (queue.length > 0) schedule()
    })
    return writing
  }

  return {
    add: (statements: SqlStatement[], options: GroupCommitOptions = {}) =>
      new Promise<void>((resolve, reject) => {
        queue.push({ statements, options, resolve, reject })
        if (writing !== undefined) return
        if (queue.length >= entriesMax) schedule()
        // Let the requests finishing in this tick (or within the delay) join the same commit.
        else if (delayMs === 0) queueMicrotask(schedule)
        else gathering ??= setTimeout(schedule, delayMs)
      }),
    flush: async () => {
      while (queue.length > 0 || writing !== undefined) await (writing ?? schedule())
    },
    /** Entries waiting for a commit. */
    depth: () => queue.length,
  }
}
