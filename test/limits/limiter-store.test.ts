/**
 * The per-key store over an injected clock: request windows keyed by key id, a hard bound on how many are kept (least
 * recently used dropped first), a changed limit starting a fresh window, and `serialize` making one key's check and
 * write a single step while other keys run alongside.
 */
import { describe, expect, test } from 'bun:test'
import { createLimiterStore, rpmWindowMs } from '../../src/limits/limiter-store.ts'
import { createFakeClock } from '../support/clock.ts'

function store(entriesMax = 100) {
  const clock = createFakeClock(1_000_000)
  return { clock, limiters: createLimiterStore({ now: clock.now, entriesMax }) }
}

describe('request windows', () => {
  test('admits on the store’s clock and records the admission time', () => {
    const { clock, limiters } = store()
    expect(limiters.admitRequest('key_a', 2)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0, admittedAtMs: 1_000_000 })
    clock.advance(5_000)
    expect(limiters.admitRequest('key_a', 2)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0, admittedAtMs: 1_005_000 })
    clock.advance(1_000)
    expect(limiters.admitRequest('key_a', 2)).toMatchObject({ allowed: false, retryAfterMs: rpmWindowMs - 6_000 })
    expect(limiters.requestsRemaining('key_a', 2)).toBe(0)
    clock.advance(rpmWindowMs - 6_000)
    expect(limiters.requestsRemaining('key_a', 2)).toBe(1)
  })

  test('the window is 60 s', () => {
    expect(rpmWindowMs).toBe(60_000)
  })

  test('keys have separate windows', () => {
    const { limiters } = store()
    expect(limiters.admitRequest('key_a', 1).allowed).toBe(true)
    expect(limiters.admitRequest('key_a', 1).allowed).toBe(false)
    expect(limiters.admitRequest('key_b', 1).allowed).toBe(true)
  })

  test('forgetRequest gives back exactly the admission it names', () => {
    const { clock, limiters } = store()
    limiters.admitRequest('key_a', 2)
    clock.advance(10_000)
    const second = limiters.admitRequest('key_a', 2)
    expect(limiters.admitRequest('key_a', 2).allowed).toBe(false)
    limiters.forgetRequest('key_a', second.admittedAtMs)
    expect(limiters.requestsRemaining('key_a', 2)).toBe(1)
    // The first admission is still there: the wait is counted from it.
    limiters.admitRequest('key_a', 2)
    expect(limiters.admitRequest('key_a', 2).retryAfterMs).toBe(rpmWindowMs - 10_000)
  })

  test('forgetRequest on a key with no window does nothing and creates none', () => {
    const { limiters } = store()
    limiters.forgetRequest('key_unknown', 1_000_000)
    expect(limiters.windowCount()).toBe(0)
  })

  test('a changed limit starts a fresh window: the old ring is dropped', () => {
    const { limiters } = store()
    limiters.admitRequest('key_a', 2)
    limiters.admitRequest('key_a', 2)
    expect(limiters.admitRequest('key_a', 2).allowed).toBe(false)
    expect(limiters.admitRequest('key_a', 3)).toMatchObject({ allowed: true, remaining: 2 })
    expect(limiters.requestsRemaining('key_a', 3)).toBe(2)
    // And back: the window under the old limit starts empty again too.
    expect(limiters.requestsRemaining('key_a', 2)).toBe(2)
  })
})

describe('the memory bound', () => {
  test('never holds more than entriesMax windows', () => {
    const { limiters } = store(3)
    for (let index = 0; index < 50; index++) limiters.admitRequest(`key_${index}`, 1)
    expect(limiters.windowCount()).toBe(3)
  })

  test('evicts the least recently used key: its admissions are forgotten, the others kept', () => {
    const { limiters } = store(2)
    limiters.admitRequest('key_a', 1)
    limiters.admitRequest('key_b', 1)
    limiters.admitRequest('key_c', 1)
    expect(limiters.windowCount()).toBe(2)
    // key_a was the oldest: it starts over; key_b and key_c still remember their admission.
    expect(limiters.admitRequest('key_a', 1).allowed).toBe(true)
    expect(limiters.admitRequest('key_c', 1).allowed).toBe(false)
  })

  test('use, not creation, decides who is least recent', () => {
    const { limiters } = store(2)
    limiters.admitRequest('key_a', 1)
    limiters.admitRequest('key_b', 1)
    // Reading key_a's remaining touches it, so key_b is now the least recently used.
    expect(limiters.requestsRemaining('key_a', 1)).toBe(0)
    limiters.admitRequest('key_c', 1)
    expect(limiters.requestsRemaining('key_a', 1)).toBe(0)
    expect(limiters.admitRequest('key_b', 1).allowed).toBe(true)
  })
})

describe('serialize', () => {
  /** A step that records its start and end around a wait the test controls. */
  function gatedStep(log: string[], name: string) {
    let open: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (open = resolve))
    const step = async () => {
      log.push(`${name} start`)
      await gate
      log.push(`${name} end`)
      return name
    }
    return { step, open }
  }

  test('runs one key’s steps one after another, in call order', async () => {
    const { limiters } = store()
    const log: string[] = []
    const first = gatedStep(log, 'first')
    const second = gatedStep(log, 'second')
    const firstDone = limiters.serialize('key_a', first.step)
    const secondDone = limiters.serialize('key_a', second.step)
    await Bun.sleep(0)
    expect(log).toEqual(['first start'])
    second.open()
    await Bun.sleep(0)
    expect(log).toEqual(['first start'])
    first.open()
    expect(await Promise.all([firstDone, secondDone])).toEqual(['first', 'second'])
    expect(log).toEqual(['first start', 'first end', 'second start', 'second end'])
  })

  test('runs different keys’ steps at the same time', async () => {
    const { limiters } = store()
    const log: string[] = []
    const onA = gatedStep(log, 'a')
    const onB = gatedStep(log, 'b')
    const aDone = limiters.serialize('key_a', onA.step)
    const bDone = limiters.serialize('key_b', onB.step)
    await Bun.sleep(0)
    expect(log).toEqual(['a start', 'b start'])
    onB.open()
    expect(await bDone).toBe('b')
    expect(log).toEqual(['a start', 'b start', 'b end'])
    onA.open()
    expect(await aDone).toBe('a')
  })

  test('a failing step rejects its own caller only; the next step still runs', async () => {
    const { limiters } = store()
    const failed = limiters.serialize('key_a', async () => {
      throw new Error('refused')
    })
    const next = limiters.serialize('key_a', async () => 'ran')
    await expect(failed).rejects.toThrow('refused')
    expect(await next).toBe('ran')
  })

  test('check-then-write steps of one key see each other’s writes', async () => {
    const { limiters } = store()
    let heldMicros = 0
    const capMicros = 1_000
    const tryHold = (requestMicros: number) =>
      limiters.serialize('key_a', async () => {
        const seen = heldMicros
        await Bun.sleep(1)
        if (seen + requestMicros > capMicros) return false
        heldMicros = seen + requestMicros
        return true
      })
    const results = await Promise.all(Array.from({ length: 5 }, () => tryHold(400)))
    expect(results).toEqual([true, true, false, false, false])
    expect(heldMicros).toBe(800)
  })
})
