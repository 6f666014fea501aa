import type { StreamTracker } from '../../core/stream.ts'
import { encodeError } from './error.ts'

const terminalEvents = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error'])
const failureEvents = new Set(['response.failed', 'error'])
const sequencePattern = /"sequence_number":\s*(\d+)/

type ResponseHeader = { id: string; created_at: number; model: string }

/**
 * A Responses stream has no `[DONE]`: it ends after `response.completed`, `response.incomplete` or `response.failed`.
 * A cut stream gets `error` then `response.failed`, numbered on from the last `sequence_number`, so clients that wait
 * for a terminal event do not hang.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export function createStreamTracker(): StreamTracker {
  let finished = false
  let failed = false
  let lastSequenceNumber = -1
  let header: ResponseHeader | undefined
  return {
    observe: (frame) => {
      if (frame.event !== undefined && terminalEvents.has(frame.event)) finished = true
      if (frame.event !== undefined && failureEvents.has(frame.event)) failed = true
      const match = sequencePattern.exec(frame.data)
      if (match !== null) lastSequenceNumber = Number(match[1])
      if (header === undefined && frame.event === 'response.created') header = readHeader(frame.data)
    },
    finished: () => finished,
    failed: () => failed,
    errorEnding: (error, requestId) => {
      finished = true
      const { body } = encodeError(error, requestId)
      const failure = { code: body.error.code ?? body.error.type, message: body.error.message }
      const errorEvent = { type: 'error', ...failure, param: null, sequence_number: lastSequenceNumber + 1 }
      const response = {
        id: header?.id ?? `resp_${requestId.replace(/^req_/, '')}`,
        object: 'response',
        created_at: header?.created_at ?? 0,
        status: 'failed',
        error: failure,
        incomplete_details: null,
        model: header?.model ?? '',
        output: [],
      }
      const failed = { type: 'response.failed', response, sequence_number: lastSequenceNumber + 2 }
      return (
        `event: error\ndata: ${JSON.stringify(errorEvent)}\n\n` +
        `event: response.failed\ndata: ${JSON.stringify(failed)}\n\n`
      )
    },
  }
}

function readHeader(data: string): ResponseHeader | undefined {
  try {
    const parsed = JSON.parse(data) as { response?: Partial<ResponseHeader> }
    const response = parsed.response
    if (response === undefined) return undefined
    return { id: String(response.id ?? ''), created_at: Number(response.created_at ?? 0), model: String(response.model ?? '') }
  } catch {
    // A malformed created event only costs us the id in a failure ending we may never need.
    return undefined
  }
}
