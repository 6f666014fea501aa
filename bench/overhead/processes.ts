/**
 * The benchmark's child processes: started, waited for until they answer, watched for CPU time and resident memory,
 * and stopped. Linux only (/proc).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Subprocess } from 'bun'

export type Service = { name: string; url: string; process: Subprocess; stop: () => Promise<void> }

/** Kernel clock ticks per second, in which /proc/PID/stat counts CPU time (100 on every Linux that Bun runs on). */
const clockTicksPerSecond = 100

/**
 * Spawns a command with its output in files in `logDirectory` (so a chatty process neither blocks on a full pipe nor
 * costs this process CPU while load runs), then asks `ready` every `pollMs` for its URL until it gives one, the
 * process exits, or `timeoutMs` passes.
 */
async function startService(
  name: string,
  command: string[],
  env: Record<string, string>,
  logDirectory: string,
  ready: (logPath: string) => Promise<string | undefined>,
  timeoutMs: number,
  pollMs: number,
): Promise<Service> {
  const logPath = join(logDirectory, `${name.replaceAll(/\W+/g, '-')}.log`)
  const errorPath = `${logPath}.stderr`
  const child = Bun.spawn(command, { env: { ...env, PATH: process.env.PATH ?? '' }, stdout: Bun.file(logPath), stderr: Bun.file(errorPath) })
  const startedMs = performance.now()
  for (;;) {
    const url = await ready(logPath)
    if (url !== undefined) return { name, url, process: child, stop: () => stopProcess(child) }
    if (child.exitCode !== null || performance.now() - startedMs > timeoutMs) {
      child.kill('SIGKILL')
      const output = [logPath, errorPath].map((path) => (existsSync(path) ? readFileSync(path, 'utf8') : '')).join('')
      throw new Error(`${name} did not start: ${output}`)
    }
    await Bun.sleep(pollMs)
  }
}

/** Spawns a command that prints `listening <url>` (or logs `msg=listening url=<url>`) once it serves. */
export function startListening(name: string, command: string[], env: Record<string, string>, logDirectory: string, timeoutMs = 15_000): Promise<Service> {
  const listening = async (logPath: string) => /listening (?:url=)?(http:\/\/\S+)/.exec(existsSync(logPath) ? readFileSync(logPath, 'utf8') : '')?.[1]
  return startService(name, command, env, logDirectory, listening, timeoutMs, 20)
}

/** Spawns a command that says nothing useful, and polls `readyUrl` until it answers (any status). */
export function startPolled(name: string, command: string[], url: string, readyUrl: string, env: Record<string, string>, logDirectory: string, timeoutMs = 30_000): Promise<Service> {
  const answers = () =>
    fetch(readyUrl).then(
      () => url,
      () => undefined,
    )
  return startService(name, command, env, logDirectory, answers, timeoutMs, 50)
}

/** A loopback port nothing listens on right now. */
export function freePort(): number {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = probe.port!
  void probe.stop(true)
  return port
}

async function stopProcess(child: Subprocess) {
  if (child.exitCode !== null) return
  child.kill('SIGTERM')
  const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(10_000).then(() => false)])
  if (!exited) {
    child.kill('SIGKILL')
    await child.exited
  }
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond
}

/** Resident memory in MiB (0 once the process is gone). */
export function rssMebibytes(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

/** Samples a process's RSS every `intervalMs` until stopped; returns the peak and the CPU seconds used meanwhile. */
export function watchProcess(pid: number, intervalMs = 50) {
  const cpuAtStart = cpuSeconds(pid)
  let peak = rssMebibytes(pid)
  const timer = setInterval(() => (peak = Math.max(peak, rssMebibytes(pid))), intervalMs)
  return {
    stop: () => {
      clearInterval(timer)
      peak = Math.max(peak, rssMebibytes(pid))
      return { peakRssMebibytes: peak, cpuSeconds: cpuSeconds(pid) - cpuAtStart }
    },
  }
}
