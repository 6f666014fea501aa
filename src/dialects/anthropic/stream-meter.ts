import type { MeterReading, StreamMeter } from '../../core/stream.ts'
import { decodeUsage } from './usage.ts'

type RawEvent = {
  message?: { usage?: unknown }
  usage?: unknown
  content_block?: { type?: string }
  delta?: { type?: string; text?: string; thinking?: string; partial_json?: string }
}

/**
 * Usage from an Anthropic stream: `message_start` carries the input figures and a placeholder output, each
 * `message_delta` the cumulative figures, which overwrite the fields they carry.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export function createStreamMeter(): StreamMeter {
  const reading: MeterReading = { usage: undefined, outputReported: false, sawContent: false, outputCharacters: 0 }
  return {
    observe: (frame) => {
      switch (frame.event) {
        case 'message_start':
          reading.usage = decodeUsage(parse(frame.data)?.message?.usage)
          return
        case 'message_delta':
          reading.usage = decodeUsage(parse(frame.data)?.usage, reading.usage)
          reading.outputReported = true
          return
        case 'content_block_start':
          reading.sawContent = true
          return
        case 'content_block_delta': {
          const delta = parse(frame.data)?.delta
          reading.sawContent = true
          reading.outputCharacters += (delta?.text ?? delta?.thinking ?? delta?.partial_json ?? '').length
        }
      }
    },
    reading: () => reading,
  }
}

/** Usage of a whole Messages response. */
export function decodeResponseUsage(body: unknown): ReturnType<typeof decodeUsage> | undefined {
  const usage = (body as { usage?: unknown } | null)?.usage
  return typeof usage === 'object' && usage !== null ? decodeUsage(usage) : undefined
}

function parse(data: string): RawEvent | undefined {
  try {
    return JSON.parse(data) as RawEvent
  } catch {
    // A malformed event is the client's to reject; the meter just learns nothing from it.
    return undefined
  }
}
