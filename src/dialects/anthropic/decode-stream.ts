import type { CanonicalStreamEvent } from '../../core/canonical.ts'
import type { SseFrame } from '../../core/stream.ts'
import type { Usage } from '../../core/usage.ts'
import type { Transducer } from '../../core/transducer.ts'
import { anthropicErrorStatus } from './error.ts'
import { decodeFinishReason } from './finish-reason.ts'
import { decodeUsage } from './usage.ts'
import { isRecord, recordOf, stringOf } from './wire.ts'

/*
 * Anthropic SSE frames → canonical stream events (WIRE.md §1.2). Blocks keep Anthropic's index. `message_delta`
 * carries cumulative usage, which overwrites, and the stop reason, which becomes `finish` only at `message_stop`:
 * a stream that ends without it was cut, and says so with an `error` event.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */

type BlockKind = 'text' | 'reasoning' | 'redacted' | 'tool' | 'ignored'

/** What the stream decoder holds between frames. */
export type DecodeStreamState = {
  /** Open blocks by Anthropic index; a block leaves at its `content_block_stop`. */
  blocks: Map<number, { kind: BlockKind; signature: string | undefined }>
  usage: Usage | undefined
  stopReason: string | null
  stopSequence: string | null
  /** `finish` or `error` went out: nothing follows. */
  ended: boolean
}


/** Status of an error event whose type is unknown, and of a cut stream: the upstream failed. */
const upstreamFailureStatus = 502

/** Anthropic stream frames → canonical stream events. */
export const decodeStream: Transducer<DecodeStreamState, SseFrame, CanonicalStreamEvent> = {
  init: () => ({ blocks: new Map(), usage: undefined, stopReason: null, stopSequence: null, ended: false }),
  step: (state, frame) => {
    if (state.ended) return []
    let data: Record<string, unknown>
    try {
      data = recordOf(JSON.parse(frame.data))
    } catch {
      // A frame that is not JSON means the upstream is broken: end the stream as failed rather than guess.
      return fail(state, upstreamFailureStatus, 'api_error', 'the upstream sent an event that is not JSON')
    }
    return decodeEvent(state, frame.event ?? stringOf(data.type), data)
  },
  flush: (state) => (state.ended ? [] : fail(state, upstreamFailureStatus, 'api_error', 'The upstream stream ended before it finished.')),
}

function decodeEvent(state: DecodeStreamState, event: string | undefined, data: Record<string, unknown>): CanonicalStreamEvent[] {
  switch (event) {
    case 'message_start': {
      const message = recordOf(data.message)
      state.usage = decodeUsage(message.usage)
      return [{ type: 'message-start', id: stringOf(message.id) ?? '', model: stringOf(message.model) ?? '', usage: state.usage }]
    }
    case 'content_block_start':
      return startBlock(state, blockIndex(data), recordOf(data.content_block))
    case 'content_block_delta':
      return decodeDelta(state, blockIndex(data), recordOf(data.delta))
    case 'content_block_stop':
      return stopBlock(state, blockIndex(data))
    case 'message_delta': {
      const delta = recordOf(data.delta)
      if ('stop_reason' in delta) state.stopReason = stringOf(delta.stop_reason) ?? null
      if ('stop_sequence' in delta) state.stopSequence = stringOf(delta.stop_sequence) ?? null
      if (!isRecord(data.usage)) return []
      state.usage = decodeUsage(data.usage, state.usage)
      return [{ type: 'usage', usage: state.usage }]
    }
    case 'message_stop': {
      const ends = [...state.blocks.keys()].flatMap((index) => stopBlock(state, index))
      state.ended = true
      return [...ends, { type: 'finish', reason: decodeFinishReason(state.stopReason), stopSequence: state.stopSequence }]
    }
    case 'error': {
      const error = recordOf(data.error)
      const type = stringOf(error.type) ?? 'api_error'
      return fail(state, anthropicErrorStatus(type) ?? upstreamFailureStatus, type, stringOf(error.message) ?? '')
    }
    default:
      // `ping`, and events newer than this code, carry nothing the canonical stream needs.
      return []
  }
}

function startBlock(state: DecodeStreamState, index: number, block: Record<string, unknown>): CanonicalStreamEvent[] {
  switch (block.type) {
    case 'text': {
      state.blocks.set(index, { kind: 'text', signature: undefined })
      const text = stringOf(block.text) ?? ''
      return [{ type: 'text-start', index }, ...(text === '' ? [] : [{ type: 'text-delta' as const, index, text }])]
    }
    case 'thinking': {
      state.blocks.set(index, { kind: 'reasoning', signature: stringOf(block.signature) || undefined })
      const text = stringOf(block.thinking) ?? ''
      return [{ type: 'reasoning-start', index }, ...(text === '' ? [] : [{ type: 'reasoning-delta' as const, index, text }])]
    }
    case 'redacted_thinking':
      state.blocks.set(index, { kind: 'redacted', signature: undefined })
      return [{ type: 'reasoning-start', index, redactedData: stringOf(block.data) ?? '' }]
    case 'tool_use': {
      state.blocks.set(index, { kind: 'tool', signature: undefined })
      const input = recordOf(block.input)
      const start: CanonicalStreamEvent = { type: 'tool-call-start', index, id: stringOf(block.id) ?? '', name: stringOf(block.name) ?? '' }
      // Anthropic starts with `input:{}` and streams the rest; a block that came whole carries it here.
      if (Object.keys(input).length === 0) return [start]
      return [start, { type: 'tool-call-delta', index, argumentsDelta: JSON.stringify(input) }]
    }
    default:
      // Server-tool blocks (`server_tool_use`, `web_search_tool_result`, …) have no neutral form yet.
      state.blocks.set(index, { kind: 'ignored', signature: undefined })
      return []
  }
}

function decodeDelta(state: DecodeStreamState, index: number, delta: Record<string, unknown>): CanonicalStreamEvent[] {
  const block = state.blocks.get(index)
  if (block === undefined) return []
  if (delta.type === 'text_delta' && block.kind === 'text') {
    const text = stringOf(delta.text) ?? ''
    return text === '' ? [] : [{ type: 'text-delta', index, text }]
  }
  if (delta.type === 'thinking_delta' && block.kind === 'reasoning') {
    const text = stringOf(delta.thinking) ?? ''
    return text === '' ? [] : [{ type: 'reasoning-delta', index, text }]
  }
  if (delta.type === 'signature_delta' && block.kind === 'reasoning') {
    block.signature = stringOf(delta.signature) ?? block.signature
    return []
  }
  if (delta.type === 'input_json_delta' && block.kind === 'tool') {
    // The first fragment is often "" (WIRE.md §1.2).
    const fragment = stringOf(delta.partial_json) ?? ''
    return fragment === '' ? [] : [{ type: 'tool-call-delta', index, argumentsDelta: fragment }]
  }
  // citations_delta, and deltas of ignored blocks, have no neutral form.
  return []
}

function stopBlock(state: DecodeStreamState, index: number): CanonicalStreamEvent[] {
  const block = state.blocks.get(index)
  if (block === undefined) return []
  state.blocks.delete(index)
  switch (block.kind) {
    case 'text':
      return [{ type: 'text-end', index }]
    case 'reasoning':
      return [{ type: 'reasoning-end', index, ...(block.signature === undefined ? {} : { signature: block.signature }) }]
    case 'redacted':
      return [{ type: 'reasoning-end', index }]
    case 'tool':
      return [{ type: 'tool-call-end', index }]
    case 'ignored':
      return []
  }
}

function blockIndex(data: Record<string, unknown>): number {
  return typeof data.index === 'number' ? data.index : -1
}

function fail(state: DecodeStreamState, status: number, type: string, message: string): CanonicalStreamEvent[] {
  state.ended = true
  return [{ type: 'error', error: { status, type, message } }]
}
