import type { MeterReading, StreamMeter } from '../../core/stream.ts'
import { decodeUsage } from './usage.ts'

const deltaEvents = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.function_call_arguments.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning_text.delta',
  'response.custom_tool_call_input.delta',
])
const terminalEvents = new Set(['response.completed', 'response.incomplete', 'response.failed'])

/**
 * Usage from a Responses stream: only the terminal event (`response.completed`, `.incomplete`, `.failed`) carries it,
 * inside the final response object.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export function createStreamMeter(): StreamMeter {
  const reading: MeterReading = { usage: undefined, outputReported: false, sawContent: false, outputCharacters: 0 }
  return {
    observe: (frame) => {
      const event = frame.event ?? ''
      if (event === 'response.output_item.added') reading.sawContent = true
      else if (deltaEvents.has(event)) {
        const delta = parse(frame.data)?.delta
        reading.sawContent = true
        reading.outputCharacters += typeof delta === 'string' ? delta.length : 0
      } else if (terminalEvents.has(event)) {
        const usage = parse(frame.data)?.response?.usage
        if (typeof usage === 'object' && usage !== null) {
          reading.usage = decodeUsage(usage)
          reading.outputReported = true
        }
      }
    },
    reading: () => reading,
  }
}

/** Usage of a whole response object. */
export function decodeResponseUsage(body: unknown): ReturnType<typeof decodeUsage> | undefined {
  const usage = (body as { usage?: unknown } | null)?.usage
  return typeof usage === 'object' && usage !== null ? decodeUsage(usage) : undefined
}

function parse(data: string): { delta?: unknown; response?: { usage?: unknown } } | undefined {
  try {
    return JSON.parse(data) as { delta?: unknown; response?: { usage?: unknown } }
  } catch {
    // A malformed event is the client's to reject; the meter just learns nothing from it.
    return undefined
  }
}
