import { textDigest } from '../core/text-digest.ts'

/*
 * Token counts of texts already encoded, so that a conversation which grows by one turn only encodes the new turn:
 * Claude Code resends its whole context, often 100k tokens and more, with every request. An entry is keyed by the
 * text's length and its 64-bit wyhash (`Bun.hash`), and the text itself is not kept, so an entry costs about the same
 * (about 100 bytes) whatever the size of its text, and `entriesMax` bounds the memory. The least recently used entry
 * goes first. Two different texts of one length sharing a 64-bit hash would share a count: a wrong estimate, not an
 * error.
 */

/** A bounded memo of token counts by text. */
export type TokenMemo = {
  /** The memo key of a text: hash it once, then `get` and `set` with the key. */
  keyOf: (text: string) => string
  get: (key: string) => number | undefined
  set: (key: string, tokens: number) => void
  /** Entries held now. */
  size: () => number
}

/** A memo holding at most `entriesMax` counts. */
export function createTokenMemo(entriesMax: number): TokenMemo {
  if (!Number.isSafeInteger(entriesMax) || entriesMax < 0) throw new RangeError(`entriesMax must be a non-negative integer, not ${entriesMax}`)
  const counts = new Map<string, number>()
  return {
    keyOf: textDigest,
    get: (key) => {
      const tokens = counts.get(key)
      if (tokens === undefined) return undefined
      // A Map iterates in insertion order: moving a hit to the end keeps the least recently used first.
      counts.delete(key)
      counts.set(key, tokens)
      return tokens
    },
    set: (key, tokens) => {
      if (entriesMax === 0) return
      counts.delete(key)
      counts.set(key, tokens)
      if (counts.size > entriesMax) counts.delete(counts.keys().next().value as string)
    },
    size: () => counts.size,
  }
}
