import { describe, expect, test } from 'bun:test'
import { createKeyPool, createKeyPools, type CooldownEvent } from '../../src/providers/key-pool.ts'
import { GatewayFailure } from '../../src/core/error.ts'
import { createFakeClock } from '../support/clock.ts'

const cooldownMs = 300_000
const rateLimitCooldownMs = 30_000

function pool(keyCount: number) {
  const clock = createFakeClock()
  const cooldowns: CooldownEvent[] = []
  const keys = createKeyPool({ keyCount, now: clock.now, cooldownMs, rateLimitCooldownMs, rateLimitStrikes: 3, onCooldown: (event) => cooldowns.push(event) })
  return { keys, clock, cooldowns }
}

const picks = (keys: { pick: () => number | undefined }, count: number) => Array.from({ length: count }, () => keys.pick())

describe('createKeyPool', () => {
  test('goes round the keys in turn', () => {
    expect(picks(pool(3).keys, 7)).toEqual([0, 1, 2, 0, 1, 2, 0])
    expect(picks(pool(1).keys, 3)).toEqual([0, 0, 0])
  })

  test('a 401/403 rests the key at once for cooldownMs, and the rest is reported without the key', () => {
    const { keys, clock, cooldowns } = pool(3)
    keys.report(1, { kind: 'unauthorized' })
    expect(cooldowns).toEqual([{ keyIndex: 1, reason: 'unauthorized', untilMs: clock.now() + cooldownMs }])
    expect(picks(keys, 4)).toEqual([0, 2, 0, 2])
  })

  test('late 401s from requests already in flight do not restart or re-report the rest', () => {
    const { keys, clock, cooldowns } = pool(2)
    keys.report(0, { kind: 'unauthorized' })
    clock.advance(50)
    keys.report(0, { kind: 'unauthorized' })
    keys.report(0, { kind: 'rate-limited' })
    expect(cooldowns).toHaveLength(1)
    expect(keys.states()[0]!.coolingUntilMs).toBe(clock.now() - 50 + cooldownMs)
  })

  test('three consecutive 429s rest the key for rateLimitCooldownMs; a success in between starts the count again', () => {
    const { keys, clock, cooldowns } = pool(2)
    keys.report(0, { kind: 'rate-limited' })
    keys.report(0, { kind: 'rate-limited' })
    keys.report(0, { kind: 'success' })
    keys.report(0, { kind: 'rate-limited' })
    keys.report(0, { kind: 'rate-limited' })
    expect(keys.states()[0]).toMatchObject({ rateLimitStrikes: 2, coolingUntilMs: undefined })
    expect(cooldowns).toEqual([])
    keys.report(0, { kind: 'rate-limited' })
    expect(cooldowns).toEqual([{ keyIndex: 0, reason: 'rate-limited', untilMs: clock.now() + rateLimitCooldownMs }])
    expect(keys.states()[0]).toMatchObject({ rateLimitStrikes: 0, coolingUntilMs: clock.now() + rateLimitCooldownMs })
  })

  test('the upstream retry-after is honoured when it asks for longer than the rest, and ignored when shorter', () => {
    const { keys, clock, cooldowns } = pool(2)
    for (const retryAfterMs of [1_000, 1_000, 90_000]) keys.report(0, { kind: 'rate-limited', retryAfterMs })
    for (const retryAfterMs of [1_000, 1_000, 2_000]) keys.report(1, { kind: 'rate-limited', retryAfterMs })
    expect(cooldowns.map((event) => event.untilMs - clock.now())).toEqual([90_000, rateLimitCooldownMs])
  })

  test('a 401 turns a rate-limit rest into the longer one', () => {
    const { keys, clock, cooldowns } = pool(2)
    for (let strike = 0; strike < 3; strike += 1) keys.report(0, { kind: 'rate-limited' })
    keys.report(0, { kind: 'unauthorized' })
    expect(cooldowns.map((event) => [event.reason, event.untilMs - clock.now()])).toEqual([
      ['rate-limited', rateLimitCooldownMs],
      ['unauthorized', cooldownMs],
    ])
  })

  test('5xx and network failures rest nothing but steer picks to the keys that failed least recently', () => {
    const { keys, clock, cooldowns } = pool(3)
    keys.report(0, { kind: 'failure' })
    clock.advance(10)
    keys.report(1, { kind: 'failure' })
    expect(picks(keys, 2)).toEqual([2, 2])
    clock.advance(10)
    keys.report(2, { kind: 'failure' })
    expect(picks(keys, 1)).toEqual([0])
    expect(cooldowns).toEqual([])
    expect(keys.states().map((state) => state.coolingUntilMs)).toEqual([undefined, undefined, undefined])
  })

  test('a failure stops counting against a key after rateLimitCooldownMs, and the turns resume', () => {
    const { keys, clock } = pool(2)
    keys.report(0, { kind: 'failure' })
    expect(picks(keys, 2)).toEqual([1, 1])
    clock.advance(rateLimitCooldownMs)
    expect(picks(keys, 3)).toEqual([0, 1, 0])
  })

  test('with every key resting, pick is undefined and nextAvailableMs says when the first comes back', () => {
    const { keys, clock } = pool(2)
    const startMs = clock.now()
    expect(keys.nextAvailableMs()).toBeUndefined()
    keys.report(0, { kind: 'unauthorized' })
    for (let strike = 0; strike < 3; strike += 1) keys.report(1, { kind: 'rate-limited' })
    expect(keys.pick()).toBeUndefined()
    expect(keys.nextAvailableMs()).toBe(startMs + rateLimitCooldownMs)
  })

  test('the last key standing never rests for a 401, but rests for repeated 429s and comes back when the clock passes its rest', () => {
    const { keys, clock, cooldowns } = pool(1)
    keys.report(0, { kind: 'unauthorized' })
    expect(keys.pick()).toBe(0)
    expect(cooldowns).toEqual([])
    for (let strike = 0; strike < 3; strike += 1) keys.report(0, { kind: 'rate-limited' })
    expect(keys.pick()).toBeUndefined()
    clock.advance(rateLimitCooldownMs - 1)
    expect(keys.pick()).toBeUndefined()
    clock.advance(1)
    expect(keys.nextAvailableMs()).toBeUndefined()
    expect(keys.states()).toEqual([{ keyIndex: 0, coolingUntilMs: undefined, rateLimitStrikes: 0, lastFailureMs: clock.now() - rateLimitCooldownMs }])
    expect(keys.pick()).toBe(0)
  })

  test('of two keys, a 401 rests one; the other, now the last one standing, does not rest for its own 401', () => {
    const { keys, cooldowns } = pool(2)
    keys.report(0, { kind: 'unauthorized' })
    keys.report(1, { kind: 'unauthorized' })
    expect(cooldowns.map((event) => event.keyIndex)).toEqual([0])
    expect(picks(keys, 2)).toEqual([1, 1])
  })

  test('refuses an empty pool and a key it does not have', () => {
    expect(() => pool(0)).toThrow(GatewayFailure)
    expect(() => pool(2).keys.report(2, { kind: 'success' })).toThrow(GatewayFailure)
  })
})

describe('createKeyPools', () => {
  test('one pool per provider, sized to its keys, with the limits\' rests and the provider named in each event', () => {
    const clock = createFakeClock()
    const events: Array<CooldownEvent & { providerId: string }> = []
    const pools = createKeyPools(
      [
        { id: 'anthropic', keyCount: 2 },
        { id: 'mock', keyCount: 1 },
      ],
      { now: clock.now, limits: { keyCooldownMs: 5_000, keyRateLimitCooldownMs: 1_000, keyRateLimitStrikes: 1 }, onCooldown: (event) => events.push(event) },
    )
    expect([...pools.keys()]).toEqual(['anthropic', 'mock'])
    expect(pools.get('anthropic')!.states()).toHaveLength(2)
    pools.get('anthropic')!.report(0, { kind: 'unauthorized' })
    pools.get('anthropic')!.report(1, { kind: 'rate-limited' })
    expect(events).toEqual([
      { providerId: 'anthropic', keyIndex: 0, reason: 'unauthorized', untilMs: clock.now() + 5_000 },
      { providerId: 'anthropic', keyIndex: 1, reason: 'rate-limited', untilMs: clock.now() + 1_000 },
    ])
    expect(pools.get('mock')!.pick()).toBe(0)
  })
})
