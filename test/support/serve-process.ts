/**
 * Runs `anvat serve` from source as a child process, the way an operator would, and waits until it listens.
 * Its stdout is kept: `output()` returns everything logged so far (tests read the request log from it), and the pipe
 * is drained continuously so a full buffer never blocks the server.
 */
import { join } from 'node:path'

export const mainPath = join(import.meta.dir, '../../src/main.ts')

export type ServeProcess = { url: string; process: ReturnType<typeof Bun.spawn>; output: () => string; exited: Promise<number> }

/** Spawns `anvat serve --port 0 --host 127.0.0.1 …extraArgs` in `cwd` with a bare environment. */
export async function spawnServe(extraArgs: string[], cwd: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = Bun.spawn([process.execPath, mainPath, 'serve', '--port', '0', '--host', '127.0.0.1', ...extraArgs], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdout: 'pipe',
  })
  const reader = child.stdout.getReader()
  let output = ''
  const drained = (async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      output += new TextDecoder().decode(value)
    }
  })()
  while (!output.includes('msg=listening')) {
    if (child.exitCode !== null) throw new Error(`serve exited early: ${output}`)
    await Bun.sleep(10)
  }
  const exited = child.exited.then(async (code) => {
    await drained
    return code
  })
  return { url: /url=(\S+)/.exec(output)![1]!, process: child, output: () => output, exited }
}
