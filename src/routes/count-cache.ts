import { createBoundedCache } from '../core/bounded-cache.ts'
import { textDigest } from '../core/text-digest.ts'

/*
 * Claude Code fires dozens of identical count_tokens calls within a second of starting (WIRE.md §5), each of which
 * would otherwise cost an upstream round trip or a full tokenization. Answers are kept briefly by (key, model, exact
 * body): a count never depends on who asks, but keeping keys apart means no caller can learn what another sent.
 */

export type CountAnswer = { bodyText: string; headers: Record<string, string> }

export type CountCache = {
  get: (keyId: string, model: string, bodyText: string) => CountAnswer | undefined
  set: (keyId: string, model: string, bodyText: string, answer: CountAnswer) => void
}

export function createCountCache(options: { entriesMax: number; ttlMs: number; now: () => number }): CountCache {
  const answers = createBoundedCache<CountAnswer>(options)
  const keyOf = (keyId: string, model: string, bodyText: string) => `${keyId}\u0000${model}\u0000${textDigest(bodyText)}`
  return {
    get: (keyId, model, bodyText) => answers.get(keyOf(keyId, model, bodyText))?.value,
    set: (keyId, model, bodyText, answer) => answers.set(keyOf(keyId, model, bodyText), answer),
  }
}
