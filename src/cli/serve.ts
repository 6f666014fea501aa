import { parseArgs } from 'node:util'
import { loadConfig } from '../config/load.ts'
import { randomBase62 } from '../core/ids.ts'
import { openLedger, type LedgerConnection, type LedgerLocation } from '../ledger/database.ts'
import { findKeyByHash } from '../ledger/keys.ts'
import { createLedger, type Ledger } from '../ledger/ledger.ts'
import type { Lifecycle } from '../routes/dependencies.ts'
import { deleteExpiredEmailTokens, deleteExpiredSessions } from '../accounts/sessions.ts'
import { stripeBillingFromEnvironment, type StripeBilling } from '../billing/stripe-checkout.ts'
import { createApp, type Gateway } from '../server/app.ts'
import { createGatewayMetrics } from '../server/metrics.ts'
import { createInFlight, listen, type InFlight } from '../server/listen.ts'
import { bufferLines, createLogger, logFormats, logLevels, type LogFormat, type Logger, type LogLevel } from '../server/logger.ts'
import { serveHelp } from './help.ts'
import { exitCodes, usageError, type CommandIo } from './io.ts'
import { describeLocation, ledgerLocation, ledgerOptions } from './ledger-options.ts'

/** How long in-flight requests and streams may run on after SIGTERM, by default and at most. */
const drainSecondsDefault = 30
const drainSecondsMax = 3_600
/**
 * How long requests cut at the drain deadline get to record what they delivered before the ledger is flushed anyway.
 * Cutting aborts their upstream calls, so this takes milliseconds; a hold left by one that overruns it is released by
 * the next gateway's sweeper.
 */
const cutSettleTimeoutMs = 5_000
/** How long the process may linger once serve has returned, for work nobody waits for any more. */
const exitLingerMs = 1_000

/** How a drain ended: everything finished, or the deadline or a second signal cut `cutCount` requests short. */
export type StopReport = { outcome: 'drained' | 'deadline' | 'signal'; cutCount: number }

export type ServeHandle = {
  url: string
  /** The composed app: its routes can still be asked in-process once the listener has closed. */
  gateway: Gateway
  /**
   * Drains, then closes: /readyz turns 503, the listener closes (new connections are refused), in-flight requests and
   * streams finish or are cut at the deadline, the ledger is flushed and the database closed. Later calls join the
   * first. Rejects only if closing the ledger throws.
   */
  stop: (signal?: string) => Promise<StopReport>
  /** Cuts the drain short: whatever is in flight is cut as soon as the drain starts, or now if it has. */
  force: () => void
}

/**
 * `anvat serve`: validates flags and config, opens the ledger (applying embedded migrations), and serves until
 * SIGTERM or SIGINT, then drains (`ServeHandle.stop`) and exits 0. A second signal cuts the drain short; the ledger is
 * still flushed.
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
        'log-format': { type: 'string' },
        'drain-seconds': { type: 'string' },
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
  const logFormat = values['log-format'] ?? io.env.ANVAT_LOG_FORMAT ?? 'logfmt'
  if (!(logFormats as readonly string[]).includes(logFormat)) {
    return usageError(io, `--log-format must be one of ${logFormats.join(', ')}, got '${logFormat}'`, 'anvat serve')
  }
  const drainText = values['drain-seconds'] ?? io.env.ANVAT_DRAIN_SECONDS ?? String(drainSecondsDefault)
  const drainSeconds = /^\d{1,4}$/.test(drainText) ? Number(drainText) : Number.NaN
  if (!(drainSeconds <= drainSecondsMax)) {
    return usageError(io, `--drain-seconds must be a whole number from 0 to ${drainSecondsMax}, got '${drainText}'`, 'anvat serve')
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

  const stripe = await stripeBillingFromEnvironment(io.env)
  if (typeof stripe === 'string') {
    io.stderr(`anvat: ${stripe}\n`)
    return exitCodes.config
  }

  const signals = watchStopSignals()
  try {
    const handle = await startGateway({
      stripe,
      config: loaded.config,
      hostname: values.host ?? io.env.ANVAT_HOST ?? '0.0.0.0',
      port,
      ledgerLocation: ledgerLocation(values, io),
      adminToken: io.env.ANVAT_ADMIN_TOKEN || undefined,
      logLevel: logLevel as LogLevel,
      logFormat: logFormat as LogFormat,
      drainTimeoutMs: drainSeconds * 1000,
      io,
      now,
    }).catch((error: Error) => error)
    if (handle instanceof Error) {
      io.stderr(`anvat: cannot start: ${handle.message}\n`)
      return exitCodes.failure
    }
    const signal = await signals.first
    void signals.second.then(handle.force)
    const stopped = await handle.stop(signal).catch((error: Error) => error)
    const exitCode = stopped instanceof Error ? exitCodes.failure : exitCodes.ok
    if (stopped instanceof Error) io.stderr(`anvat: the ledger could not be flushed on exit: ${stopped.message}\n`)
    // The ledger is flushed and closed: whatever still runs (a tokenizer still loading, a cut request past its
    // settle time) is not worth waiting for. Not an exit at once, because Bun drops stdout still in the pipe.
    setTimeout(() => process.exit(exitCode), exitLingerMs).unref()
    return exitCode
  } finally {
    signals.dispose()
  }
}

/**
 * SIGTERM and SIGINT, handled from before the ledger opens until serve returns. As PID 1 (a `scratch` image) the
 * kernel drops any signal that has no handler, and elsewhere a signal without one kills the process before the ledger
 * is flushed, so no signal may meet the default action: `on`, not `once`, or the second signal would. SIGHUP and
 * SIGQUIT keep their defaults (no container runtime sends them to stop a process).
 */
function watchStopSignals(): { first: Promise<string>; second: Promise<string>; dispose: () => void } {
  let received = 0
  const first = Promise.withResolvers<string>()
  const second = Promise.withResolvers<string>()
  const onSignal = (signal: NodeJS.Signals) => {
    received += 1
    if (received === 1) first.resolve(signal)
    else second.resolve(signal)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  return {
    first: first.promise,
    second: second.promise,
    dispose: () => {
      process.off('SIGTERM', onSignal)
      process.off('SIGINT', onSignal)
    },
  }
}

type StartOptions = {
  config: Parameters<typeof createApp>[0]['config']
  stripe?: StripeBilling
  hostname: string
  port: number
  ledgerLocation: LedgerLocation
  adminToken: string | undefined
  logLevel: LogLevel
  logFormat?: LogFormat
  /** How long in-flight requests and streams may run on once the drain starts; then they are cut. */
  drainTimeoutMs: number
  io: CommandIo
  now: () => number
}

/** Opens the ledger and starts serving; the returned `stop` drains and closes everything. */
export async function startGateway(options: StartOptions): Promise<ServeHandle> {
  // Request lines are gathered and written once per event-loop turn; the drain writes the last of them.
  const output = bufferLines(options.io.stdout)
  const logger = createLogger(options.logLevel, output.write, options.now, options.logFormat)
  const lifecycle: Lifecycle = { state: 'starting', startedMs: options.now() }
  const connection = await openLedger(options.ledgerLocation, options.now(), { writerThread: true })
  const modelIds = new Set(options.config.models.map((model) => model.id))
  const metrics = createGatewayMetrics({ knownModel: (model) => modelIds.has(model) })
  const ledger = createLedger(connection.client, { now: options.now, instanceId: `gw_${randomBase62(12)}`, timings: options.config.limits, onCommit: metrics.observeCommit })
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
    stripe: options.stripe,
    metrics,
    metricsToken: options.io.env.ANVAT_METRICS_TOKEN || undefined,
  })
  const inFlight = createInFlight()
  let server
  try {
    server = listen(gateway, { hostname: options.hostname, port: options.port, inFlight }, logger, options.now)
  } catch (error) {
    await ledger.stop()
    connection.close()
    throw error
  }
  lifecycle.state = 'ready'
  // Expired sign-ins and mailed links are deleted when met; those never met again go once an hour.
  const pruneTimer = setInterval(() => {
    const nowMs = options.now()
    Promise.all([deleteExpiredSessions(connection, nowMs), deleteExpiredEmailTokens(connection, nowMs)]).catch((error: unknown) =>
      logger.warn('pruning expired sessions failed', { error: String(error) }),
    )
  }, pruneIntervalMs)
  pruneTimer.unref()
  const url = `http://${options.hostname.includes(':') ? `[${options.hostname}]` : options.hostname}:${server.port}`
  logger.info('listening', { url, models: options.config.models.length, database: describeLocation(options.ledgerLocation), admin: options.adminToken !== undefined })
  return {
    url,
    gateway,
    ...createDrain({ server, inFlight, lifecycle, ledger, connection, logger, flushLog: output.flush, now: options.now, timeoutMs: options.drainTimeoutMs, stopTimers: () => clearInterval(pruneTimer) }),
  }
}

/** How often expired sessions and mailed links are deleted. */
const pruneIntervalMs = 3_600_000

type DrainParts = {
  /** Stops the gateway's own timers, before the ledger closes. */
  stopTimers: () => void
  server: ReturnType<typeof listen>
  inFlight: InFlight
  lifecycle: Lifecycle
  ledger: Ledger
  connection: LedgerConnection
  logger: Logger
  /** Writes the log lines still gathered. */
  flushLog: () => void
  now: () => number
  /** How long in-flight requests and streams may run on once the drain starts. */
  timeoutMs: number
}

/** The drain behind `ServeHandle.stop` and `force`: it runs once, whoever asks. */
function createDrain(parts: DrainParts): Pick<ServeHandle, 'stop' | 'force'> {
  const { server, inFlight, lifecycle, logger } = parts
  const cutNow = Promise.withResolvers<'signal'>()
  const drain = async (signal: string | undefined): Promise<StopReport> => {
    const startedMs = parts.now()
    // Readiness fails first, then the listener closes with the idle keep-alive connections; busy ones close after
    // their response. A request after this point finds nothing listening: refused before a byte is sent, which every
    // client and load balancer may safely retry elsewhere, and nothing is reserved or billed for it.
    lifecycle.state = 'draining'
    parts.stopTimers()
    logger.info('draining', { signal, in_flight: inFlight.count(), timeout_ms: parts.timeoutMs })
    const closed = server.stop(false)
    let deadline: ReturnType<typeof setTimeout> | undefined
    const reason = await Promise.race([
      Promise.all([closed, inFlight.idle()]).then(() => 'drained' as const),
      new Promise<'deadline'>((resolve) => (deadline = setTimeout(() => resolve('deadline'), parts.timeoutMs))),
      cutNow.promise,
    ])
    clearTimeout(deadline)
    const cutCount = reason === 'drained' ? 0 : inFlight.count()
    if (reason !== 'drained') {
      // Closing the connections aborts each request's signal and cancels its stream: the upstream call is cancelled
      // and what was delivered is billed as partial (or the hold released) before the ledger is flushed below.
      await server.stop(true)
      if (!(await settlesWithin(inFlight.idle(), cutSettleTimeoutMs))) {
        logger.warn('cut requests not yet billed; the next gateway releases their holds', { requests: inFlight.count() })
      }
    }
    try {
      await parts.ledger.stop()
    } finally {
      parts.connection.close()
    }
    const outcome = cutCount === 0 ? 'drained' : reason
    logger[cutCount === 0 ? 'info' : 'warn']('stopped', { outcome, cut: cutCount, duration_ms: parts.now() - startedMs })
    parts.flushLog()
    return { outcome, cutCount }
  }
  let stopping: Promise<StopReport> | undefined
  return {
    stop: (signal) => (stopping ??= drain(signal)),
    force: () => cutNow.resolve('signal'),
  }
}

/** Whether `promise` settles within `timeoutMs`; the timer never outlives the answer. */
async function settlesWithin(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))
  try {
    return await Promise.race([promise.then(() => true), timedOut])
  } finally {
    clearTimeout(timer)
  }
}
