import type { SqlClient, SqlStatement } from './sql-client.ts'

type Pending = { statements: SqlStatement[]; resolve: () => void; reject: (error: unknown) => void }

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
export function createGroupCommit(client: SqlClient, entriesMax: number, delayMs = 0) {
  const queue: Pending[] = []
  let writing: Promise<void> | undefined
  let gathering: ReturnType<typeof setTimeout> | undefined
  let failureDelayMs = retryDelayMs

  const writeAll = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.splice(0, entriesMax)
      try {
        await client.batch(batch.flatMap((pending) => pending.statements))
        failureDelayMs = retryDelayMs
        for (const pending of batch) pending.resolve()
      } catch (error) {
        if (batch.length > 1) {
          // One bad settlement must not sink the others: write them one by one, keeping only the failures queued.
          const failed: Pending[] = []
          for (const pending of batch) {
            try {
              await client.batch(pending.statements)
              pending.resolve()
            } catch {
              // Kept for the retry below; its own error is reported if it never succeeds.
              failed.push(pending)
            }
          }
          if (failed.length === 0) continue
          queue.unshift(...failed)
        } else queue.unshift(...batch)
        // The database is unreachable or busy: keep the settlements, in order, and try again after a pause.
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
    add: (statements: SqlStatement[]) =>
      new Promise<void>((resolve, reject) => {
        queue.push({ statements, resolve, reject })
        if (writing !== undefined) return
        if (queue.length >= entriesMax) schedule()
        // Let the requests finishing in this tick (or within the delay) join the same commit.
        else if (delayMs === 0) queueMicrotask(schedule)
        else gathering ??= setTimeout(schedule, delayMs)
      }),
    flush: async () => {
      while (queue.length > 0 || writing !== undefined) await (writing ?? schedule())
    },
  }
}
