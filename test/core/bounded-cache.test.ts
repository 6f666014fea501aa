import { expect, test } from 'bun:test'
import { createBoundedCache } from '../../src/core/bounded-cache.ts'

test('evicts the least recently used entry past its bound', () => {
  let nowMs = 0
  const cache = createBoundedCache<number>({ entriesMax: 2, ttlMs: 1000, now: () => nowMs })
  cache.set('a', 1)
  cache.set('b', 2)
  expect(cache.get('a')).toEqual({ value: 1 }) // a is now the most recent
  cache.set('c', 3)
  expect(cache.get('b')).toBeUndefined()
  expect(cache.get('a')).toEqual({ value: 1 })
  expect(cache.size()).toBe(2)
})

test('expires entries after their time to live, and caches nothing with a zero ttl', () => {
  let nowMs = 0
  const cache = createBoundedCache<string>({ entriesMax: 10, ttlMs: 100, now: () => nowMs })
  cache.set('k', 'v')
  nowMs = 99
  expect(cache.get('k')).toEqual({ value: 'v' })
  nowMs = 100
  expect(cache.get('k')).toBeUndefined()
  const uncached = createBoundedCache<string>({ entriesMax: 10, ttlMs: 0, now: () => nowMs })
  uncached.set('k', 'v')
  expect(uncached.get('k')).toBeUndefined()
})
