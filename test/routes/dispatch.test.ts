/**
 * dispatch() with stub providers: the connect timeout (a probe that times out counts as a failed attempt, and an
 * upstream that never connects ends in a 504), and the order of targets and keys.
 */
import { describe, expect, test } from 'bun:test'
import { GatewayFailure } from '../../src/core/error.ts'
import type { Provider } from '../../src/core/provider.ts'
import { createKeyPool, type KeyPool } from '../../src/providers/key-pool.ts'
import { dispatch, type DispatchDependencies, type DispatchTarget } from '../../src/routes/dispatch.ts'

function stubProvider(id: string, answers: Array<number | 'throw'>, calls: string[]): Provider {
  return {
    id,
    dialects: ['anthropic'],
    keyCount: 1,
    origin: `http://${id}.invalid`,
    timeouts: { connectMs: 100, firstByteMs: 1_000, idleMs: 1_000 },
    secrets: [],
    send: async (call) => {
      calls.push(`${id}#${call.keyIndex}`)
      const answer = answers.shift() ?? 200
      if (answer === 'throw') throw new TypeError('connection reset')
      return new Response('{}', { status: answer, headers: { 'content-type': 'application/json' } })
    },
  }
}

function dependencies(connect: Record<string, 'connected' | 'refused' | 'timeout'>, sleeps: number[]): DispatchDependencies {
  const pools = new Map<string, KeyPool>()
  return {
    policy: { attemptsMax: 2, baseDelayMs: 100, delayMaxMs: 1_000, deadlineMs: 60_000, retryAfterMaxMs: 5_000 },
    keyPoolOf: (provider) => {
      if (!pools.has(provider.id)) pools.set(provider.id, createKeyPool({ keyCount: provider.keyCount, now: Date.now, cooldownMs: 1_000, rateLimitCooldownMs: 1_000, rateLimitStrikes: 3, onCooldown: () => undefined }))
      return pools.get(provider.id)!
    },
    now: Date.now,
    sleep: async (milliseconds) => void sleeps.push(milliseconds),
    random: () => 0.5,
    firstEventWaitMs: 1_000,
    connectProbe: async (origin) => connect[new URL(origin).hostname.replace('.invalid', '')] ?? 'connected',
    log: () => undefined,
  }
}

const call = () => ({ requestId: 'req_dispatch_test', search: '', headers: new Headers(), signal: new AbortController().signal, progress: { attempts: 0 } })
const target = (provider: Provider): DispatchTarget => ({ provider, operation: 'messages', body: '{}', streaming: false })

describe('dispatch', () => {
  test('a host that does not connect in time is never sent the request: each attempt times out, then 504', async () => {
    const calls: string[] = []
    const sleeps: number[] = []
    const progress = call()
    const outcome = await dispatch([target(stubProvider('silent', [], calls))], progress, dependencies({ silent: 'timeout' }, sleeps)).catch((error: unknown) => error)
    expect(outcome).toBeInstanceOf(GatewayFailure)
    expect((outcome as GatewayFailure).error).toMatchObject({ code: 'provider_timeout', status: 504 })
    expect(calls).toEqual([])
    expect(progress.progress.attempts).toBe(2)
    expect(sleeps).toEqual([50])
  })

  test('a refused host falls through to the next target, which answers', async () => {
    const calls: string[] = []
    const result = await dispatch(
      [target(stubProvider('down', [], calls)), target(stubProvider('up', [200], calls))],
      call(),
      dependencies({ down: 'refused' }, []),
    )
    expect(result.targetIndex).toBe(1)
    expect(result.attempts).toBe(3)
    expect(calls).toEqual(['up#0'])
  })

  test('a thrown send (a reset) is retried; the answer after it is relayed', async () => {
    const calls: string[] = []
    const result = await dispatch([target(stubProvider('flaky', ['throw', 200], calls))], call(), dependencies({}, []))
    expect(result.response.status).toBe(200)
    expect(calls).toEqual(['flaky#0', 'flaky#0'])
  })
})
