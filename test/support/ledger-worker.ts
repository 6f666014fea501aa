/**
 * A second gateway process for the shared-ledger tests:
 *   bun test/support/ledger-worker.ts (path|url) LOCATION ACCOUNT_ID INSTANCE_ID ATTEMPTS HOLD_MICROS WAVE_SIZE
 * Opens the ledger, heartbeats, prints `ready`, waits for `go` on stdin, then makes ATTEMPTS reservations of
 * HOLD_MICROS in waves of WAVE_SIZE at once, settling each one that succeeds at exactly its hold. Prints
 * `{"reserved":N}` when done.
 */
import { openLedger, type LedgerLocation } from '../../src/ledger/database.ts'
import { createLedger } from '../../src/ledger/ledger.ts'
import { reserveAndSettle, testTimings } from './ledger-harness.ts'

const [kind, where, accountId, instanceId, attemptsText, holdText, waveText] = process.argv.slice(2)
if (kind === undefined || where === undefined || accountId === undefined || instanceId === undefined || waveText === undefined) {
  process.stderr.write('usage: bun test/support/ledger-worker.ts (path|url) LOCATION ACCOUNT_ID INSTANCE_ID ATTEMPTS HOLD_MICROS WAVE_SIZE\n')
  process.exit(64)
}
const attempts = Number(attemptsText)
const holdMicros = Number(holdText)
const waveSize = Number(waveText)

const location: LedgerLocation = kind === 'url' ? { url: where } : { path: where }
const connection = await openLedger(location, Date.now())
const ledger = createLedger(connection.client, { now: Date.now, instanceId, timings: testTimings })
await ledger.sweep()
process.stdout.write('ready\n')
for await (const line of console) if (line.trim() === 'go') break

const reserved = await reserveAndSettle(ledger, { accountId, instanceId, attempts, holdMicros, waveSize })
await ledger.stop()
connection.close()
process.stdout.write(`${JSON.stringify({ reserved })}\n`)
