import { expect, test } from 'bun:test'
import { createConnectProbe } from '../../src/providers/connect-probe.ts'

test('a listening host connects, and is not probed again while fresh; a closed port is refused', async () => {
  let accepted = 0
  const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { open: () => void accepted++, data: () => undefined } })
  let nowMs = 0
  const probe = createConnectProbe({ now: () => nowMs, freshMs: 1_000 })
  try {
    const origin = `http://127.0.0.1:${server.port}`
    expect(await probe(origin, 1_000)).toBe('connected')
    expect(await probe(origin, 1_000)).toBe('connected')
    await Bun.sleep(20)
    expect(accepted).toBe(1)
    nowMs += 1_000
    expect(await probe(origin, 1_000)).toBe('connected')
    await Bun.sleep(20)
    expect(accepted).toBe(2)
  } finally {
    server.stop(true)
  }
  expect(await probe('http://127.0.0.1:9', 1_000)).toBe('refused')
})
