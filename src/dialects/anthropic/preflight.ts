import type { CanonicalMessage, Warning } from '../../core/canonical.ts'
import { encodePart } from './encode-content.ts'
import type { AnthropicBlockParam, AnthropicToolResultBlockParam, AnthropicTurnParam } from './wire.ts'

/*
 * The pre-flight for Anthropic upstreams (WIRE.md §2.2): translated conversations are shaped so Anthropic takes them.
 * Empty text and emptied turns go (edge 1); same-role turns merge; every `tool_use` is answered in the next user turn,
 * by a stub if the client lost its result (edge 3); results come first in their turn (edge 4); results answering no
 * call go; the first turn is a user turn.
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#handling-tool-use-and-tool-result-content-blocks
 */

/** The text of a stub result for a call the client never answered. */
export const missingToolResultText = 'No result was provided for this tool call.'

/** The text of the user turn put before a conversation that starts with the assistant. */
export const leadingUserTurnText = '(continued)'

/** Canonical messages → Anthropic turns that pass Anthropic's conversation checks. */
export function encodeMessages(messages: CanonicalMessage[], warnings: Warning[]): AnthropicTurnParam[] {
  const encoded = messages.map((message) => ({
    role: message.role,
    content: message.content.flatMap((part) => encodePart(part, message.role, warnings)),
  }))
  const paired = pairToolCalls(mergeTurns(encoded), warnings)
  const turns = mergeTurns(paired)
  if (turns[0]?.role === 'assistant') {
    warnings.push({ code: 'repaired_conversation', message: 'added a user turn before the first assistant turn' })
    turns.unshift({ role: 'user', content: [{ type: 'text', text: leadingUserTurnText }] })
  }
  return turns
}

/**
 * Whether thinking would be refused: the conversation is in a tool loop (the last turn answers tool calls) whose
 * assistant turn does not start with its thinking block (edge 10).
 */
export function toolLoopLacksThinking(turns: AnthropicTurnParam[]): boolean {
  const last = turns.at(-1)
  const previous = turns.at(-2)
  if (last?.role !== 'user' || previous?.role !== 'assistant') return false
  if (!last.content.some((block) => block.type === 'tool_result')) return false
  const first = previous.content[0]
  return first?.type !== 'thinking' && first?.type !== 'redacted_thinking'
}

/** Drops empty turns and joins consecutive turns of one role, as Anthropic itself would join them. */
function mergeTurns(turns: AnthropicTurnParam[]): AnthropicTurnParam[] {
  const merged: AnthropicTurnParam[] = []
  for (const turn of turns) {
    if (turn.content.length === 0) continue
    const last = merged.at(-1)
    if (last?.role === turn.role) last.content = [...last.content, ...turn.content]
    else merged.push({ role: turn.role, content: [...turn.content] })
  }
  return merged
}

/** Makes each user turn answer exactly the calls of the assistant turn before it, results first. */
function pairToolCalls(turns: AnthropicTurnParam[], warnings: Warning[]): AnthropicTurnParam[] {
  const paired: AnthropicTurnParam[] = []
  let pendingIds: string[] = []
  for (const turn of turns) {
    if (turn.role === 'assistant') {
      if (pendingIds.length > 0) paired.push(answerTurn([], pendingIds, warnings))
      paired.push(turn)
      pendingIds = turn.content.flatMap((block) => (block.type === 'tool_use' ? [block.id] : []))
      continue
    }
    paired.push(answerTurn(turn.content, pendingIds, warnings))
    pendingIds = []
  }
  if (pendingIds.length > 0) paired.push(answerTurn([], pendingIds, warnings))
  return paired
}

function answerTurn(content: AnthropicBlockParam[], callIds: string[], warnings: Warning[]): AnthropicTurnParam {
  const results: AnthropicToolResultBlockParam[] = []
  const others: AnthropicBlockParam[] = []
  const answered = new Set<string>()
  for (const block of content) {
    if (block.type !== 'tool_result') {
      others.push(block)
    } else if (!callIds.includes(block.tool_use_id) || answered.has(block.tool_use_id)) {
      // Anthropic refuses a result that answers no call of the turn before it, or answers one twice.
      warnings.push({ code: 'repaired_conversation', message: `dropped a tool result for ${block.tool_use_id}: no unanswered call of that id precedes it` })
    } else {
      answered.add(block.tool_use_id)
      results.push(block)
    }
  }
  for (const id of callIds) {
    if (answered.has(id)) continue
    warnings.push({ code: 'repaired_conversation', message: `tool call ${id} had no result: answered with an error stub` })
    results.push({ type: 'tool_result', tool_use_id: id, content: [{ type: 'text', text: missingToolResultText }], is_error: true })
  }
  return { role: 'user', content: [...results, ...others] }
}
