import { createBoundedCache } from '../core/bounded-cache.ts'
import type { CanonicalMessage, CanonicalStreamEvent, ContentPart, ReasoningPart } from '../core/canonical.ts'

/*
 * The thinking vault (WIRE.md §2.3, edge 10). Anthropic refuses a thinking-on tool loop whose last assistant turn lacks
 * its thinking, and Chat Completions clients cannot send Claude's thinking back. So the gateway keeps the signed
 * thinking of each Claude turn that ends in tool calls, keyed by the API key and that turn's tool call ids, and puts
 * it back, byte for byte, when the turn returns. A miss changes nothing: the pre-flight then turns thinking off.
 */

/** A bounded store of Claude's thinking, by (API key id, the turn's tool call ids as a set). */
export type ThinkingVault = {
  /** Keeps `blocks` for the assistant turn that made `toolCallIds` (any order); nothing when either is empty. */
  remember: (keyId: string, toolCallIds: string[], blocks: ReasoningPart[]) => void
  /** The blocks kept for exactly this key and this set of tool call ids, or undefined. */
  recall: (keyId: string, toolCallIds: string[]) => ReasoningPart[] | undefined
  size: () => number
}

export type ThinkingVaultOptions = {
  /** Most turns kept; the least recently used goes first. */
  entriesMax: number
  /** How long a turn is kept after it was remembered, ms; 0 keeps nothing. */
  ttlMs: number
  now: () => number
}

export function createThinkingVault(options: ThinkingVaultOptions): ThinkingVault {
  const entries = createBoundedCache<ReasoningPart[]>(options)
  return {
    remember: (keyId, toolCallIds, blocks) => {
      if (toolCallIds.length === 0 || blocks.length === 0) return
      entries.set(vaultKey(keyId, toolCallIds), blocks.map(copyPart))
    },
    recall: (keyId, toolCallIds) => {
      if (toolCallIds.length === 0) return undefined
      return entries.get(vaultKey(keyId, toolCallIds))?.value.map(copyPart)
    },
    size: entries.size,
  }
}

/** One string per (key, set of ids): JSON keeps ids holding any character apart. */
function vaultKey(keyId: string, toolCallIds: string[]): string {
  return JSON.stringify([keyId, ...[...toolCallIds].sort()])
}

function copyPart(part: ReasoningPart): ReasoningPart {
  return { ...part }
}

/** Whether a part can go back to Anthropic: thinking it signed, or thinking it redacted. */
export function isCarriedReasoning(part: ContentPart): part is ReasoningPart {
  if (part.type === 'redacted-reasoning') return part.data !== ''
  return part.type === 'reasoning' && part.signature !== undefined && part.signature !== ''
}

/** A finished assistant turn worth vaulting: its tool call ids and the thinking it carried, in order. */
export type VaultedTurn = { toolCallIds: string[]; blocks: ReasoningPart[] }

/** The turn of a whole response, when it made tool calls and carried thinking. */
export function vaultedTurnOf(content: ContentPart[]): VaultedTurn | undefined {
  const toolCallIds = content.flatMap((part) => (part.type === 'tool-call' ? [part.id] : []))
  return vaultedTurn(toolCallIds, content.filter(isCarriedReasoning))
}

function vaultedTurn(toolCallIds: string[], blocks: ReasoningPart[]): VaultedTurn | undefined {
  if (toolCallIds.length === 0 || toolCallIds.includes('') || blocks.length === 0) return undefined
  return { toolCallIds, blocks }
}

/** What a stream has shown of its turn so far: reasoning blocks by index, and the tool calls' ids. */
export type TurnState = { reasoning: Map<number, ReasoningPart & { ended: boolean }>; toolCallIds: string[] }

export function initialTurnState(): TurnState {
  return { reasoning: new Map(), toolCallIds: [] }
}

/**
 * Folds one canonical stream event into `state`; on `finish`, answers the turn when it is worth vaulting. A stream
 * that ends in an error never finishes, so a half-received turn is never kept.
 */
export function stepTurn(state: TurnState, event: CanonicalStreamEvent): VaultedTurn | undefined {
  switch (event.type) {
    case 'reasoning-start':
      state.reasoning.set(
        event.index,
        event.redactedData === undefined ? { type: 'reasoning', text: '', ended: false } : { type: 'redacted-reasoning', data: event.redactedData, ended: false },
      )
      return undefined
    case 'reasoning-delta': {
      const block = state.reasoning.get(event.index)
      if (block?.type === 'reasoning') block.text += event.text
      return undefined
    }
    case 'reasoning-end': {
      const block = state.reasoning.get(event.index)
      if (block === undefined) return undefined
      block.ended = true
      if (block.type === 'reasoning' && event.signature !== undefined) block.signature = event.signature
      return undefined
    }
    case 'tool-call-start':
      state.toolCallIds.push(event.id)
      return undefined
    case 'finish': {
      const blocks = [...state.reasoning.values()].filter((block) => block.ended).map(({ ended: _ended, ...part }) => part as ReasoningPart)
      return vaultedTurn(state.toolCallIds, blocks.filter(isCarriedReasoning))
    }
    default:
      return undefined
  }
}

/**
 * Puts vaulted thinking back first in each assistant turn that made tool calls and carries no reasoning of its own
 * (canonical order: reasoning, text, tool calls). Messages the vault knows nothing of are returned as they were.
 */
export function restoreThinking(messages: CanonicalMessage[], recall: (toolCallIds: string[]) => ReasoningPart[] | undefined): CanonicalMessage[] {
  return messages.map((message) => {
    if (message.role !== 'assistant') return message
    if (message.content.some((part) => part.type === 'reasoning' || part.type === 'redacted-reasoning')) return message
    const toolCallIds = message.content.flatMap((part) => (part.type === 'tool-call' ? [part.id] : []))
    if (toolCallIds.length === 0) return message
    const blocks = recall(toolCallIds)
    return blocks === undefined ? message : { ...message, content: [...blocks, ...message.content] }
  })
}
