import { fail } from '../core/error.ts'
import { responseIdOfItem } from '../dialects/openai-responses/item-id.ts'

/*
 * Conversation state for Responses clients of translated models (WIRE.md §3.1). OpenAI keeps every response made
 * with `store` (the default) so a follow-up can say `previous_response_id` or `item_reference` instead of sending the
 * conversation again; for models the gateway translates, the gateway keeps it instead, in its database, scoped to the
 * API key that created it. A chained request = the stored items + the new items (instructions are not inherited).
 */

/** The response store this module uses (src/ledger/response-store.ts). */
export type ResponseStorage = {
  save: (entry: { responseId: string; keyId: string; items: unknown[] }) => Promise<boolean>
  load: (keyId: string, responseId: string) => Promise<unknown[] | undefined>
  prune: () => Promise<number>
}

/** How often saving also deletes expired responses: often enough to keep the table near its live size, rarely enough to cost nothing. */
export const pruneIntervalMs = 600_000

export type ResponseState = {
  /** Stored items, waiting for a save of this very response that is still in flight. */
  load: (keyId: string, responseId: string) => Promise<unknown[] | undefined>
  /** Stores in the background; a load of the same id waits for it, so a quick follow-up never misses its turn. */
  save: (keyId: string, responseId: string, items: unknown[]) => void
}

export function createResponseState(storage: ResponseStorage, options: { now: () => number; onError: (error: unknown) => void }): ResponseState {
  const { onError } = options
  const pending = new Map<string, Promise<unknown>>()
  let prunedAtMs = options.now()
  return {
    load: async (keyId, responseId) => {
      await pending.get(responseId)
      return storage.load(keyId, responseId)
    },
    save: (keyId, responseId, items) => {
      const saving = storage
        .save({ responseId, keyId, items })
        .catch(onError)
        .finally(() => pending.delete(responseId))
      pending.set(responseId, saving)
      if (options.now() - prunedAtMs >= pruneIntervalMs) {
        prunedAtMs = options.now()
        storage.prune().catch(onError)
      }
    },
  }
}

type Item = Record<string, unknown>

/**
 * The caller's input with its references resolved: the items of `previous_response_id`, then the new items, where an
 * `item_reference` (or a reasoning item sent back by id alone) becomes the stored item it names. Unknown ids, and ids
 * another key stored, are 404s; re-sending an item the chain already holds is OpenAI's "Duplicate item" 400.
 */
export async function expandInput(body: Record<string, unknown>, keyId: string, state: ResponseState): Promise<Item[]> {
  const newItems = normalizeInput(body.input)
  const previousId = body.previous_response_id
  let prior: Item[] = []
  if (typeof previousId === 'string' && previousId !== '') {
    const stored = await state.load(keyId, previousId)
    if (stored === undefined) {
      fail('caller_not_found', `Previous response with id '${previousId}' not found.`, { param: 'previous_response_id', reason: 'previous_response_not_found' })
    }
    prior = stored as Item[]
  }
  const priorIds = new Set(prior.flatMap((item) => (typeof item.id === 'string' ? [item.id] : [])))
  const loaded = new Map<string, Item[] | undefined>()
  const findStored = async (itemId: string): Promise<Item | undefined> => {
    const responseId = responseIdOfItem(itemId)
    if (responseId === undefined) return undefined
    if (!loaded.has(responseId)) loaded.set(responseId, (await state.load(keyId, responseId)) as Item[] | undefined)
    return loaded.get(responseId)?.find((item) => item.id === itemId)
  }
  const expanded: Item[] = [...prior]
  for (const [index, item] of newItems.entries()) {
    const id = typeof item.id === 'string' ? item.id : undefined
    if (id !== undefined && priorIds.has(id)) {
      fail('caller_invalid_request', `Duplicate item found with id ${id}. Remove duplicate items from your input and try again.`, { param: 'input' })
    }
    if (item.type === 'item_reference') {
      const stored = id === undefined ? undefined : await findStored(id)
      if (stored === undefined) fail('caller_not_found', `Item with id '${String(item.id)}' not found.`, { param: `input[${index}].id`, reason: 'item_not_found' })
      expanded.push(stored)
    } else if (item.type === 'reasoning' && id !== undefined && typeof item.encrypted_content !== 'string') {
      // Sent back by id only (store:true clients): the stored item carries what restores Claude's thinking.
      expanded.push((await findStored(id)) ?? item)
    } else {
      expanded.push(item)
    }
  }
  return expanded
}

/** `input` as items: a string is one user message, as OpenAI lists it back. */
export function normalizeInput(input: unknown): Item[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }]
  if (!Array.isArray(input)) return []
  return input.filter((item): item is Item => typeof item === 'object' && item !== null)
}
