/**
 * In-flight slots per key: at most `limit` taken at once, each handed back exactly once however often its release is
 * called, and the total in flight back at zero when traffic stops (what the route tests poll for leaks).
 */
import { expect, test } from 'bun:test'
import { createConcurrencyLimiter } from '../../src/limits/concurrency.ts'

/** Acquires and fails the test unless the slot was granted. */
function take(limiter: ReturnType<typeof createConcurrencyLimiter>, key: string, limit: number) {
  const slot = limiter.acquire(key, limit)
  if (!slot.allowed) throw new Error(`expected a slot for ${key} under ${limit}`)
  return slot
}

test('grants `limit` slots per key, counting down, then refuses', () => {
  const limiter = createConcurrencyLimiter()
  expect(take(limiter, 'key_a', 2).remaining).toBe(1)
  expect(take(limiter, 'key_a', 2).remaining).toBe(0)
  expect(limiter.acquire('key_a', 2)).toEqual({ allowed: false, remaining: 0 })
  expect(limiter.remaining('key_a', 2)).toBe(0)
  expect(limiter.inFlight()).toBe(2)
})

test('keys are counted apart', () => {
  const limiter = createConcurrencyLimiter()
  take(limiter, 'key_a', 1)
  expect(limiter.acquire('key_a', 1).allowed).toBe(false)
  expect(take(limiter, 'key_b', 1).remaining).toBe(0)
  expect(limiter.inFlight()).toBe(2)
})

test('a release frees its slot for the next caller', () => {
  const limiter = createConcurrencyLimiter()
  const first = take(limiter, 'key_a', 1)
  expect(limiter.acquire('key_a', 1).allowed).toBe(false)
  first.release()
  expect(limiter.remaining('key_a', 1)).toBe(1)
  expect(take(limiter, 'key_a', 1).remaining).toBe(0)
})

test('release is idempotent: a second call frees nobody else’s slot', () => {
  const limiter = createConcurrencyLimiter()
  const first = take(limiter, 'key_a', 2)
  take(limiter, 'key_a', 2)
  first.release()
  first.release()
  first.release()
  expect(limiter.inFlight()).toBe(1)
  expect(limiter.remaining('key_a', 2)).toBe(1)
  take(limiter, 'key_a', 2)
  expect(limiter.acquire('key_a', 2).allowed).toBe(false)
})

test('inFlight returns to 0 once every slot is released, whatever the order', () => {
  const limiter = createConcurrencyLimiter()
  const slots = [take(limiter, 'key_a', 3), take(limiter, 'key_b', 3), take(limiter, 'key_a', 3), take(limiter, 'key_c', 1)]
  expect(limiter.inFlight()).toBe(4)
  for (const index of [2, 0, 3, 1, 0, 2]) slots[index]!.release()
  expect(limiter.inFlight()).toBe(0)
  expect(limiter.remaining('key_a', 3)).toBe(3)
  expect(limiter.remaining('key_c', 1)).toBe(1)
})

test('a refused acquire takes nothing', () => {
  const limiter = createConcurrencyLimiter()
  const slot = take(limiter, 'key_a', 1)
  for (let attempt = 0; attempt < 5; attempt++) expect(limiter.acquire('key_a', 1).allowed).toBe(false)
  expect(limiter.inFlight()).toBe(1)
  slot.release()
  expect(limiter.inFlight()).toBe(0)
})

test('a lowered limit refuses until enough slots are back', () => {
  const limiter = createConcurrencyLimiter()
  const slots = [take(limiter, 'key_a', 3), take(limiter, 'key_a', 3)]
  expect(limiter.remaining('key_a', 1)).toBe(0)
  expect(limiter.acquire('key_a', 1).allowed).toBe(false)
  slots[0]!.release()
  expect(limiter.acquire('key_a', 1).allowed).toBe(false)
  slots[1]!.release()
  expect(take(limiter, 'key_a', 1).remaining).toBe(0)
})
