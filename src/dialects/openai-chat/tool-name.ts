import { sanitizeToolId } from '../../core/tool-id.ts'

/*
 * Chat function names must match `^[a-zA-Z0-9_-]+$` and be at most 64 characters; Claude Code's MCP tools
 * (`mcp__server__tool`) often are longer (edge 15). The request encoder shortens such names deterministically and
 * keeps the reverse map, so tool calls in the response go back to the client under the names it declared.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-tools
 */

/** Upstream (shortened) name → the name the client declared, for shortened names only. */
export type ToolNameMap = Record<string, string>

/**
 * A name fit for Chat: kept when it fits, else its readable prefix plus a digest. Chat's rule for names is the one
 * Anthropic has for tool ids (the pattern, at most 64 characters), so the one collision-safe mapping serves both.
 */
export function shortenToolName(name: string): string {
  return sanitizeToolId(name)
}

/** Adds `name` to the map when shortening changes it, and returns the upstream name. */
export function recordToolName(toolNames: ToolNameMap, name: string): string {
  const upstreamName = shortenToolName(name)
  if (upstreamName !== name) toolNames[upstreamName] = name
  return upstreamName
}

/** The client's name for a name the upstream used; unknown names come back as they are. */
export function originalToolName(toolNames: ToolNameMap, upstreamName: string): string {
  return Object.hasOwn(toolNames, upstreamName) ? (toolNames[upstreamName] ?? upstreamName) : upstreamName
}
