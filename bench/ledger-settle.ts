/**
 * Settles per second through `createLedger` on a local SQLite file: reserve N holds, then settle all N at once and
 * time it, with group commit (many settlements per transaction) and without it (one transaction per settle, by
 * setting `groupCommitEntriesMax` to 1). Not run by `bun test`:
 *
 *   npx bun bench/ledger-settle.ts [SETTLES]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultLimits } from '../src/config/schema.ts'
import { openLedger } from '../src/ledger/database.ts'
import { createKey } from '../src/ledger/keys.ts'
import { createLedger } from '../src/ledger/ledger.ts'
import type { SqlClient } from '../src/ledger/sql-client.ts'

const settlesCount = Number(process.argv[2] ?? 20_000)
const holdMicros = 1_000
const costMicros = 640

type Row = { mode: string; settles: number; wallMs: number; settlesPerSecond: number; batches: number }

/** Reserves `settlesCount` holds, then settles them all in one tick and times it. */
async function measure(mode: string, groupCommitEntriesMax: number): Promise<Row> {
  const directory = mkdtempSync(join(tmpdir(), 'anvat-bench-'))
  try {
    const connection = await openLedger({ path: join(directory, 'ledger.db') }, Date.now())
    const { accountId } = await createKey(connection, { name: 'bench', creditMicros: holdMicros * settlesCount }, Date.now())
    let batches = 0
    const { batchSync } = connection.client
    const client: SqlClient = {
      ...connection.client,
      batch: (statements) => ((batches += 1), connection.client.batch(statements)),
      ...(batchSync === undefined ? {} : { batchSync: (statements) => ((batches += 1), batchSync(statements)) }),
    }
    const ledger = createLedger(client, { now: Date.now, instanceId: 'gw_bench', timings: { ...defaultLimits, sweepIntervalMs: 3_600_000, groupCommitEntriesMax } })
    const requestIds = Array.from({ length: settlesCount }, (_, index) => `req_${index}`)
    for (const requestId of requestIds) {
      const hold = await ledger.reserve({ accountId, requestId, amountMicros: holdMicros })
      if (!hold.ok) throw new Error(`reserve ${requestId} refused`)
    }
    batches = 0
    const startMs = performance.now()
    await Promise.all(requestIds.map((requestId) => ledger.settle(record(accountId, requestId))))
    const wallMs = performance.now() - startMs
    const balance = (await ledger.balance(accountId))?.balanceMicros
    // A benchmark of wrong answers measures nothing: the books must be exact.
    if (balance !== (holdMicros - costMicros) * settlesCount) throw new Error(`balance ${balance} is not ${(holdMicros - costMicros) * settlesCount}`)
    await ledger.stop()
    connection.close()
    return { mode, settles: settlesCount, wallMs, settlesPerSecond: settlesCount / (wallMs / 1000), batches }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

function record(accountId: string, requestId: string) {
  return {
    requestId,
    keyId: 'key_bench',
    accountId,
    model: 'bench-model',
    requestedModel: 'bench-model',
    attempts: 1,
    provider: 'bench',
    dialectIn: 'anthropic',
    dialectOut: 'anthropic',
    usage: { input: 1200, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 300, reasoning: 0 },
    costMicros,
    status: 200,
    outcome: 'completed',
    estimated: false,
    partial: false,
    durationMs: 850,
  }
}

const grouped = await measure(`group commit (≤ ${defaultLimits.groupCommitEntriesMax}/batch)`, defaultLimits.groupCommitEntriesMax)
const ungrouped = await measure('one transaction per settle', 1)
const rows = [grouped, ungrouped]

console.log(`Bun ${Bun.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), SQLite file in ${tmpdir()}`)
console.log('')
console.log('| mode | settles | batches | wall ms | settles/s |')
console.log('|---|---:|---:|---:|---:|')
for (const row of rows) {
  console.log(`| ${row.mode} | ${row.settles} | ${row.batches} | ${row.wallMs.toFixed(0)} | ${Math.round(row.settlesPerSecond).toLocaleString('en-US')} |`)
}
console.log('')
console.log(`group commit ÷ one per settle: ${(grouped.settlesPerSecond / ungrouped.settlesPerSecond).toFixed(1)}×`)
