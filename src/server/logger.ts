/** Log levels in increasing severity; `silent` writes nothing. */
export const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof logLevels)[number]

export type LogFields = Record<string, string | number | boolean | undefined | null>

export type Logger = {
  debug: (message: string, fields?: LogFields) => void
  info: (message: string, fields?: LogFields) => void
  warn: (message: string, fields?: LogFields) => void
  error: (message: string, fields?: LogFields) => void
}

/** How each line is written: logfmt for people and grep, JSON for log pipelines. */
export const logFormats = ['logfmt', 'json'] as const
export type LogFormat = (typeof logFormats)[number]

/**
 * A logger writing one line per call: logfmt (`time=… level=info msg=request method=POST …`, values with spaces or
 * quotes quoted), or one JSON object (`{"time":"…","level":"info","msg":"request","method":"POST",…}`). Fields
 * that are undefined or null are left out.
 */
export function createLogger(level: LogLevel, write: (line: string) => void, now: () => number, format: LogFormat = 'logfmt'): Logger {
  const threshold = logLevels.indexOf(level)
  const at = (lineLevel: Exclude<LogLevel, 'silent'>) => (message: string, fields: LogFields = {}) => {
    if (logLevels.indexOf(lineLevel) < threshold) return
    const time = new Date(now()).toISOString()
    if (format === 'json') {
      const entry: Record<string, string | number | boolean> = { time, level: lineLevel, msg: message }
      for (const [name, value] of Object.entries(fields)) if (value !== undefined && value !== null) entry[name] = value
      write(`${JSON.stringify(entry)}\n`)
      return
    }
    let line = `time=${time} level=${lineLevel} msg=${formatValue(message)}`
    for (const [name, value] of Object.entries(fields)) {
      if (value !== undefined && value !== null) line += ` ${name}=${formatValue(value)}`
    }
    write(`${line}\n`)
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

function formatValue(value: string | number | boolean): string {
  const text = String(value)
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text)
}

/**
 * Gathers lines and writes them together once per turn of the event loop (or sooner past `bytesMax`): under load one
 * write call carries many request lines instead of one each. `flush` writes what is gathered now.
 */
export function bufferLines(write: (text: string) => void, bytesMax = 65_536): { write: (line: string) => void; flush: () => void } {
  let pending = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending === '') return
    const text = pending
    pending = ''
    write(text)
  }
  return {
    write: (line) => {
      pending += line
      if (pending.length >= bytesMax) flush()
      else if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
    flush,
  }
}
