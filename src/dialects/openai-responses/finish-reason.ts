import type { FinishReason } from '../../core/canonical.ts'
import type { OpenAIResponseIncompleteDetails } from './wire.ts'

/** How a response ended, as the Responses API says it: a status, and why when it is incomplete. */
export type OpenAIResponseEnding = {
  status: 'completed' | 'incomplete' | 'failed'
  incomplete_details: OpenAIResponseIncompleteDetails | null
}

/**
 * Neutral finish reason → Responses `status` and `incomplete_details` (WIRE.md §2.5). Responses has no stop word of
 * its own: a tool call or a paused turn is an ordinary `completed` (the function_call items say the rest), and only a
 * cut-off answer is `incomplete`. `other` is an end the upstream did not explain, read as ordinary.
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-status
 */
export const finishReasonTable: Readonly<Record<FinishReason['unified'], OpenAIResponseEnding>> = {
  stop: { status: 'completed', incomplete_details: null },
  'tool-calls': { status: 'completed', incomplete_details: null },
  pause: { status: 'completed', incomplete_details: null },
  other: { status: 'completed', incomplete_details: null },
  length: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
  'content-filter': { status: 'incomplete', incomplete_details: { reason: 'content_filter' } },
  error: { status: 'failed', incomplete_details: null },
}

/** Neutral finish reason → how the response ended. */
export function encodeFinishReason(finish: FinishReason): OpenAIResponseEnding {
  const ending = finishReasonTable[finish.unified]
  // A copy: callers put it into response objects, which must not share the table's records.
  return { status: ending.status, incomplete_details: ending.incomplete_details === null ? null : { ...ending.incomplete_details } }
}
