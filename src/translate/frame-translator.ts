import type { CanonicalStreamEvent } from '../core/canonical.ts'
import type { SseFrame } from '../core/stream.ts'
import type { Transducer } from '../core/transducer.ts'
import { originalToolName, type ToolNameMap } from '../dialects/openai-chat/tool-name.ts'
import type { FrameTranslator, OutputFrame } from './passthrough-stream.ts'

/**
 * Chains an upstream decoder and a caller encoder into one stateful frame translator for one stream. Tool calls
 * carry the caller's own tool names, however the upstream had to spell them (`toolNames`: upstream → caller).
 */
export function frameTranslator<DecodeState, EncodeState>(
  decode: Transducer<DecodeState, SseFrame, CanonicalStreamEvent>,
  encode: Transducer<EncodeState, CanonicalStreamEvent, OutputFrame>,
  toolNames: ToolNameMap,
  /** A last touch on each event before the caller's encoder sees it (signing synthesised reasoning). */
  adjust: (event: CanonicalStreamEvent) => CanonicalStreamEvent = (event) => event,
): FrameTranslator {
  const decodeState = decode.init()
  const encodeState = encode.init()
  const restore = (event: CanonicalStreamEvent): CanonicalStreamEvent =>
    adjust(event.type === 'tool-call-start' ? { ...event, name: originalToolName(toolNames, event.name) } : event)
  const through = (events: CanonicalStreamEvent[]) => events.flatMap((event) => encode.step(encodeState, restore(event)))
  return {
    step: (frame) => through(decode.step(decodeState, frame)),
    flush: () => [...through(decode.flush(decodeState)), ...encode.flush(encodeState)],
    fail: (error) => [...through([{ type: 'error', error: { status: error.status, type: error.code, message: error.message } }]), ...encode.flush(encodeState)],
  }
}
