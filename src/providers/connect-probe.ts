/*
 * The connect timeout. `fetch` cannot tell connecting from waiting for the answer's headers, and headers may rightly
 * take minutes (a reasoning model's whole answer, a long prompt's prefill), so a host that never answers the TCP
 * handshake (a dead address, a firewall dropping packets) would hold a request for the whole first-byte timeout. A
 * probe opens one TCP connection to the upstream's host first, within `connectMs`; a host that answered recently is
 * not probed again, so a busy gateway pays nothing and an idle one one handshake a minute.
 */

export type ConnectOutcome = 'connected' | 'refused' | 'timeout'

/** Checks that `origin` (`https://host[:port]`) accepts a TCP connection within `timeoutMs`. */
export type ConnectProbe = (origin: string, timeoutMs: number) => Promise<ConnectOutcome>

/** How long a successful handshake vouches for its host. */
export const connectFreshMs = 60_000

export function createConnectProbe(options: { now: () => number; freshMs?: number }): ConnectProbe {
  const freshMs = options.freshMs ?? connectFreshMs
  const connectedAtMs = new Map<string, number>()
  const inFlight = new Map<string, Promise<ConnectOutcome>>()
  return async (origin, timeoutMs) => {
    const known = connectedAtMs.get(origin)
    if (known !== undefined && options.now() - known < freshMs) return 'connected'
    let probing = inFlight.get(origin)
    if (probing === undefined) {
      probing = probe(origin, timeoutMs).finally(() => inFlight.delete(origin))
      inFlight.set(origin, probing)
    }
    const outcome = await probing
    if (outcome === 'connected') {
      connectedAtMs.delete(origin)
      connectedAtMs.set(origin, options.now())
      // Bounded by the configured providers' hosts in practice; trimmed anyway so it cannot grow without end.
      if (connectedAtMs.size > 1024) connectedAtMs.delete(connectedAtMs.keys().next().value as string)
    }
    return outcome
  }
}

function probe(origin: string, timeoutMs: number): Promise<ConnectOutcome> {
  const url = new URL(origin)
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
  const hostname = url.hostname.replace(/^\[|\]$/g, '')
  return new Promise((resolve) => {
    let settled = false
    const settle = (outcome: ConnectOutcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(outcome)
    }
    const timer = setTimeout(() => settle('timeout'), timeoutMs)
    Bun.connect({
      hostname,
      port,
      socket: {
        open: (socket) => {
          settle('connected')
          socket.end()
        },
        data: () => undefined,
        error: () => settle('refused'),
        connectError: () => settle('refused'),
      },
    }).catch(() => settle('refused'))
  })
}
