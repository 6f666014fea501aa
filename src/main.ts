#!/usr/bin/env bun
import packageJson from '../package.json' with { type: 'json' }
import { mainHelp } from './cli/help.ts'
import { exitCodes, usageError, type CommandIo } from './cli/io.ts'
import { auditCommand } from './cli/audit.ts'
import { creditCommand } from './cli/credit.ts'
import { keysCommand } from './cli/keys.ts'
import { migrateCommand } from './cli/migrate.ts'
import { serveCommand } from './cli/serve.ts'

/** The command line: `anvat <command> …`. The only reader of process.env and process.argv. */
async function main(argv: string[]): Promise<number> {
  const io: CommandIo = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
  }
  const now = () => Date.now()
  const [command, ...rest] = argv
  switch (command) {
    case undefined:
      io.stderr(mainHelp)
      return exitCodes.usage
    case '--help':
    case '-h':
    case 'help':
      io.stdout(mainHelp)
      return exitCodes.ok
    case '--version':
    case '-v':
    case 'version':
      io.stdout(`anvat ${packageJson.version}\n`)
      return exitCodes.ok
    case 'serve':
      return serveCommand(rest, io, now)
    case 'keys':
      return keysCommand(rest, io, now)
    case 'credit':
      return creditCommand(rest, io, now)
    case 'migrate':
      return migrateCommand(rest, io, now)
    case 'audit':
      return auditCommand(rest, io, now)
    default:
      return command.startsWith('-')
        ? usageError(io, `unknown option '${command}'`, 'anvat')
        : usageError(io, `unknown command '${command}'`, 'anvat')
  }
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (error) {
  // A command that cannot reach its database (or meets another fault) says so in one line, not a stack trace.
  process.stderr.write(`anvat: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
}
