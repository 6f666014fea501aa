/** The thinking vault: bounded by entries and time, exact on the set of tool call ids, one key never sees another's. */
import { expect, test } from 'bun:test'
import type { CanonicalMessage, CanonicalStreamEvent, ReasoningPart } from '../../src/core/canonical.ts'
import { createThinkingVault, initialTurnState, restoreThinking, stepTurn, vaultedTurnOf } from '../../src/translate/thinking-vault.ts'
import { createFakeClock } from '../support/clock.ts'

const thinking: ReasoningPart = { type: 'reasoning', text: 'Call the tool.', signature: 'EswECkYICxgCKkB/sig+/=' }
const redacted: ReasoningPart = { type: 'redacted-reasoning', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' }

function vault(entriesMax = 10, ttlMs = 60_000) {
  const clock = createFakeClock()
  return { clock, vault: createThinkingVault({ entriesMax, ttlMs, now: clock.now }) }
}

test('a remembered turn is recalled byte for byte, whatever the order of its ids', () => {
  const { vault: store } = vault()
  store.remember('key_a', ['toolu_2', 'toolu_1'], [thinking, redacted])
  expect(store.recall('key_a', ['toolu_1', 'toolu_2'])).toEqual([thinking, redacted])
  expect(store.recall('key_a', ['toolu_2', 'toolu_1'])).toEqual([thinking, redacted])
})

test('recall needs exactly the same set of ids: a subset or a superset misses', () => {
  const { vault: store } = vault()
  store.remember('key_a', ['toolu_1', 'toolu_2'], [thinking])
  expect(store.recall('key_a', ['toolu_1'])).toBeUndefined()
  expect(store.recall('key_a', ['toolu_1', 'toolu_2', 'toolu_3'])).toBeUndefined()
  expect(store.recall('key_a', [])).toBeUndefined()
})

test('one key never recalls what another remembered', () => {
  const { vault: store } = vault()
  store.remember('key_a', ['toolu_1'], [thinking])
  expect(store.recall('key_b', ['toolu_1'])).toBeUndefined()
  expect(store.recall('key_a', ['toolu_1'])).toEqual([thinking])
})

test('ids holding separators cannot collide with another key or id set', () => {
  const { vault: store } = vault()
  store.remember('key_a', ['x","y'], [thinking])
  expect(store.recall('key_a', ['x', 'y'])).toBeUndefined()
  expect(store.recall('key_a","x', ['y'])).toBeUndefined()
})

test('entries expire after ttlMs', () => {
  const { vault: store, clock } = vault(10, 1000)
  store.remember('key_a', ['toolu_1'], [thinking])
  clock.advance(999)
  expect(store.recall('key_a', ['toolu_1'])).toEqual([thinking])
  clock.advance(1)
  expect(store.recall('key_a', ['toolu_1'])).toBeUndefined()
  expect(store.size()).toBe(0)
})

test('a ttl of 0 keeps nothing; empty ids or blocks are not kept', () => {
  const { vault: off } = vault(10, 0)
  off.remember('key_a', ['toolu_1'], [thinking])
  expect(off.size()).toBe(0)
  const { vault: store } = vault()
  store.remember('key_a', [], [thinking])
  store.remember('key_a', ['toolu_1'], [])
  expect(store.size()).toBe(0)
})

test('at entriesMax the least recently used turn goes first', () => {
  const { vault: store } = vault(2)
  store.remember('key_a', ['toolu_1'], [thinking])
  store.remember('key_a', ['toolu_2'], [thinking])
  expect(store.recall('key_a', ['toolu_1'])).toEqual([thinking]) // toolu_1 is now the most recently used
  store.remember('key_a', ['toolu_3'], [thinking])
  expect(store.size()).toBe(2)
  expect(store.recall('key_a', ['toolu_2'])).toBeUndefined()
  expect(store.recall('key_a', ['toolu_1'])).toEqual([thinking])
  expect(store.recall('key_a', ['toolu_3'])).toEqual([thinking])
})

test('what the vault holds cannot be changed through what it was given or what it gave', () => {
  const { vault: store } = vault()
  const given: ReasoningPart = { ...thinking }
  store.remember('key_a', ['toolu_1'], [given])
  given.text = 'changed'
  const recalled = store.recall('key_a', ['toolu_1'])!
  ;(recalled[0] as { text: string }).text = 'changed again'
  expect(store.recall('key_a', ['toolu_1'])).toEqual([thinking])
})

test('a whole turn is vaulted only with tool calls and signed or redacted thinking', () => {
  expect(vaultedTurnOf([thinking, { type: 'tool-call', id: 'toolu_1', name: 'f', arguments: '{}' }])).toEqual({ toolCallIds: ['toolu_1'], blocks: [thinking] })
  expect(vaultedTurnOf([thinking, { type: 'text', text: 'no tools' }])).toBeUndefined()
  expect(vaultedTurnOf([{ type: 'reasoning', text: 'unsigned' }, { type: 'tool-call', id: 'toolu_1', name: 'f', arguments: '{}' }])).toBeUndefined()
})

test('a streamed turn is folded into its thinking and ids, and kept only once it finishes', () => {
  const events: CanonicalStreamEvent[] = [
    { type: 'message-start', id: 'msg_1', model: 'claude' },
    { type: 'reasoning-start', index: 0 },
    { type: 'reasoning-delta', index: 0, text: 'Call ' },
    { type: 'reasoning-delta', index: 0, text: 'the tool.' },
    { type: 'reasoning-end', index: 0, signature: thinking.signature },
    { type: 'reasoning-start', index: 1, redactedData: redacted.data },
    { type: 'reasoning-end', index: 1 },
    { type: 'tool-call-start', index: 2, id: 'toolu_1', name: 'f' },
    { type: 'tool-call-end', index: 2 },
  ]
  const state = initialTurnState()
  expect(events.map((event) => stepTurn(state, event)).every((turn) => turn === undefined)).toBe(true)
  expect(stepTurn(state, { type: 'finish', reason: { unified: 'tool-calls', raw: 'tool_use' }, stopSequence: null })).toEqual({
    toolCallIds: ['toolu_1'],
    blocks: [thinking, redacted],
  })
})

test('restoring puts recalled thinking first, only in assistant tool-call turns without reasoning', () => {
  const call = { type: 'tool-call' as const, id: 'toolu_1', name: 'f', arguments: '{}' }
  const messages: CanonicalMessage[] = [
    { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Calling.' }, call] },
    { role: 'assistant', content: [{ type: 'reasoning', text: 'own', signature: 'own' }, call] },
    { role: 'assistant', content: [{ type: 'text', text: 'No tools.' }] },
  ]
  const asked: string[][] = []
  const restored = restoreThinking(messages, (ids) => (asked.push(ids), [thinking]))
  expect(asked).toEqual([['toolu_1']])
  expect(restored[1]!.content).toEqual([thinking, { type: 'text', text: 'Calling.' }, call])
  expect(restored[2]).toBe(messages[2]!)
  expect(restored[3]).toBe(messages[3]!)
  expect(restoreThinking(messages, () => undefined)).toEqual(messages)
})
