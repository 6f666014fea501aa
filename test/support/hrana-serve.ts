/**
 * Runs the test Hrana server as a standalone process: `bun test/support/hrana-serve.ts DATABASE_PATH`. Prints its URL
 * on the first line of stdout and serves until killed. CI uses it to smoke-test the compiled binary on libSQL.
 */
import { startHranaServer } from './hrana-server.ts'

const databasePath = process.argv[2]
if (databasePath === undefined) {
  process.stderr.write('usage: bun test/support/hrana-serve.ts DATABASE_PATH\n')
  process.exit(64)
}
const server = startHranaServer({ databasePath })
process.stdout.write(`${server.url}\n`)
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)))
