/** Where a command writes, and the environment it reads: main.ts passes the real ones, tests pass their own. */
export type CommandIo = {
  stdout: (text: string) => void
  stderr: (text: string) => void
  env: Readonly<Record<string, string | undefined>>
}

/** Exit statuses from sysexits.h, which shells and supervisors understand. */
export const exitCodes = { ok: 0, failure: 1, usage: 64, data: 65, config: 78 } as const

/** A usage error: the message and a pointer to help, exit 64. */
export function usageError(io: CommandIo, message: string, helpCommand: string): number {
  io.stderr(`anvat: ${message}\nRun '${helpCommand} --help' for usage.\n`)
  return exitCodes.usage
}
