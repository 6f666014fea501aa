import { parseArgs } from 'node:util'
import { loadConfig } from '../config/load.ts'
import { randomBase62 } from '../core/ids.ts'
import { openLedger, type LedgerLocation } from '../ledger/database.ts'
import { findKeyByHash } from '../ledger/keys.ts'
import { createLedger } from '../ledger/ledger.ts'
import type { Lifecycle } from '../routes/dependencies.ts'
import { createApp } from '../server/app.ts'
import { listen } from '../server/listen.ts'
import { createLogger, logLevels, type LogLevel } from '../server/logger.ts'
import { serveHelp } from './help.ts'
import { exitCodes, usageError, type CommandIo } from './io.ts'
import { describeLocation, ledgerLocation, ledgerOptions } from './ledger-options.ts'

/** How long in-flight requests may run on after SIGTERM before their connections are closed. */
const drainTimeoutMs = 30_000

export type ServeHandle = { url: string; stop: () => Promise<void> }

/**
 * `anvat serve`: validates flags and config, opens the ledger (applying embedded migrations), and serves until
 * SIGTERM or SIGINT, then drains: /readyz turns 503, in-flight requests finish, the database closes.
 */
export async function serveCommand(argv: string[], io: CommandIo, now: () => number): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        ...ledgerOptions,
        config: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    return usageError(io, (error as Error).message, 'anvat serve')
  }
  const { values } = parsed
  if (values.help) {
    io.stdout(serveHelp)
    return exitCodes.ok
  }
  const portText = values.port ?? io.env.ANVAT_PORT ?? '8080'
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN
  if (!(port >= 0 && port <= 65_535)) return usageError(io, `--port must be a number from 0 to 65535, got '${portText}'`, 'anvat serve')
  const logLevel = values['log-level'] ?? io.env.ANVAT_LOG_LEVEL ?? 'info'
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    return usageError(io, `--log-level must be one of ${logLevels.join(', ')}, got '${logLevel}'`, 'anvat serve')
  }
  const configPath = values.config ?? io.env.ANVAT_CONFIG
  let configText: string | undefined
  if (configPath !== undefined) {
    const file = Bun.file(configPath)
    if (!(await file.exists())) {
      io.stderr(`anvat: config file '${configPath}' not found\n`)
      return exitCodes.config
    }
    configText = await file.text()
  }
  const loaded = loadConfig(configText, io.env)
  if (!loaded.ok) {
    io.stderr(`anvat: invalid config${configPath === undefined ? '' : ` in ${configPath}`}:\n${loaded.errors.map((error) => `  ${error}\n`).join('')}`)
    return exitCodes.config
  }

  const handle = await startGateway({
    config: loaded.config,
    hostname: values.host ?? io.env.ANVAT_HOST ?? '0.0.0.0',
    port,
    ledgerLocation: ledgerLocation(values, io),
    adminToken: io.env.ANVAT_ADMIN_TOKEN || undefined,
    logLevel: logLevel as LogLevel,
    io,
    now,
  }).catch((error: Error) => error)
  if (handle instanceof Error) {
    io.stderr(`anvat: cannot start: ${handle.message}\n`)
    return exitCodes.failure
  }
  await new Promise<void>((resolve) => {
    const shutdown = () => void handle.stop().then(resolve)
    process.once('SIGTERM', shutdown)
    process.once('SIGINT', shutdown)
  })
  return exitCodes.ok
}

type StartOptions = {
  config: Parameters<typeof createApp>[0]['config']
  hostname: string
  port: number
  ledgerLocation: LedgerLocation
  adminToken: string | undefined
  logLevel: LogLevel
  io: CommandIo
  now: () => number
}

/** Opens the ledger and starts serving; the returned `stop` drains and closes everything. */
export async function startGateway(options: StartOptions): Promise<ServeHandle> {
  const logger = createLogger(options.logLevel, options.io.stdout, options.now)
  const lifecycle: Lifecycle = { state: 'starting', startedMs: options.now() }
  const connection = await openLedger(options.ledgerLocation, options.now())
  const ledger = createLedger(connection.client, { now: options.now, instanceId: `gw_${randomBase62(12)}`, timings: options.config.limits })
  // Holds left by a process that died are released once its heartbeat is stale; sweep now, then on the interval.
  await ledger.sweep()
  const gateway = createApp({
    config: options.config,
    lookupKey: (keyHash) => findKeyByHash(connection, keyHash),
    ledger,
    ledgerConnection: connection,
    adminToken: options.adminToken,
    fetch,
    now: options.now,
    logger,
    lifecycle,
  })
  let server
  try {
    server = listen(gateway, { hostname: options.hostname, port: options.port }, logger, options.now)
  } catch (error) {
    await ledger.stop()
    connection.close()
    throw error
  }
  lifecycle.state = 'ready'
  const url = `http://${options.hostname.includes(':') ? `[${options.hostname}]` : options.hostname}:${server.port}`
  logger.info('listening', { url, models: options.config.models.length, database: describeLocation(options.ledgerLocation), admin: options.adminToken !== undefined })
  return {
    url,
    stop: async () => {
      lifecycle.state = 'draining'
      logger.info('draining', { timeout_ms: drainTimeoutMs })
      const forced = setTimeout(() => void server.stop(true), drainTimeoutMs)
      await server.stop(false)
      clearTimeout(forced)
      await ledger.stop()
      connection.close()
      logger.info('stopped')
    },
  }
}
