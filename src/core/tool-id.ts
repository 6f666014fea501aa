import { createHash } from 'node:crypto'

/*
 * Tool-call ids cross dialects: a Chat `call_…`, a Responses `call_id`, or a compatible server's `functions.get:0`
 * must become an Anthropic `tool_use.id`, and the matching `tool_result.tool_use_id` must become the very same string.
 * One deterministic function for both sides keeps every pair matched without a table (WIRE.md §2.2, edge 2).
 */

/**
 * The pattern Anthropic requires of `tool_use.id` and `tool_result.tool_use_id`.
 * @see https://docs.anthropic.com/en/api/messages#body-messages-content-tool-use-id
 */
export const toolIdPattern = /^[a-zA-Z0-9_-]+$/

/** Longest id kept as it is; longer ones are shortened like off-pattern ones, so ids stay a bounded size. */
export const toolIdLengthMax = 64

/** Characters of the digest suffix: 16 base64url characters are 96 bits, far beyond any conversation's ids. */
const digestLength = 16

/**
 * Maps any tool-call id onto `^[a-zA-Z0-9_-]+$`: an id that already fits (and is at most 64 characters) is kept, any
 * other becomes its readable part (off-pattern characters as `_`) plus `_` and a SHA-256 digest of the whole id, so
 * two ids that differ only in the replaced characters still map to different results.
 */
export function sanitizeToolId(id: string): string {
  if (id.length <= toolIdLengthMax && toolIdPattern.test(id)) return id
  const digest = createHash('sha256').update(id).digest('base64url').slice(0, digestLength)
  const readable = id.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, toolIdLengthMax - digestLength - 1)
  return `${readable}_${digest}`
}
