import type { MeterReading, StreamMeter } from '../../core/stream.ts'
import { decodeUsage } from './usage.ts'

type RawChunk = {
  usage?: unknown
  choices?: Array<{ delta?: { content?: string | null; reasoning_content?: string | null; tool_calls?: Array<{ function?: { arguments?: string; name?: string } }> } }>
}

/**
 * Usage from a Chat Completions stream: the chunk after `finish_reason` carries `usage` when `include_usage` was
 * set (the gateway always sets it upstream). Earlier chunks say `"usage": null`.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export function createStreamMeter(): StreamMeter {
  const reading: MeterReading = { usage: undefined, outputReported: false, sawContent: false, outputCharacters: 0 }
  return {
    observe: (frame) => {
      if (frame.data === '[DONE]') return
      const chunk = parse(frame.data)
      if (chunk === undefined) return
      if (typeof chunk.usage === 'object' && chunk.usage !== null) {
        reading.usage = decodeUsage(chunk.usage)
        reading.outputReported = true
      }
      for (const choice of chunk.choices ?? []) {
        const delta = choice.delta
        if (delta === undefined) continue
        const characters =
          (delta.content ?? '').length +
          (delta.reasoning_content ?? '').length +
          (delta.tool_calls ?? []).reduce((sum, call) => sum + (call.function?.arguments ?? '').length + (call.function?.name ?? '').length, 0)
        if (characters > 0) reading.sawContent = true
        reading.outputCharacters += characters
      }
    },
    reading: () => reading,
  }
}

/** Usage of a whole chat completion. */
export function decodeResponseUsage(body: unknown): ReturnType<typeof decodeUsage> | undefined {
  const usage = (body as { usage?: unknown } | null)?.usage
  return typeof usage === 'object' && usage !== null ? decodeUsage(usage) : undefined
}

/** The usage-only chunk (`choices: []` with `usage`) that the gateway asked for on the caller's behalf. */
export function isUsageOnlyChunk(data: string): boolean {
  if (!data.includes('"usage"')) return false
  const chunk = parse(data)
  return chunk !== undefined && Array.isArray(chunk.choices) && chunk.choices.length === 0 && typeof chunk.usage === 'object' && chunk.usage !== null
}

function parse(data: string): RawChunk | undefined {
  try {
    return JSON.parse(data) as RawChunk
  } catch {
    // A malformed chunk is the client's to reject; the meter just learns nothing from it.
    return undefined
  }
}
