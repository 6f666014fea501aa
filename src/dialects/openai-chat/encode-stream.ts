import type { CanonicalStreamEvent } from '../../core/canonical.ts'
import { classifyUpstreamStatus, gatewayError } from '../../core/error.ts'
import { zeroUsage, type Usage } from '../../core/usage.ts'
import type { Transducer } from '../../core/transducer.ts'
import { encodeError } from './error.ts'
import { encodeFinishReason } from './finish-reason.ts'
import { originalToolName, type ToolNameMap } from './tool-name.ts'
import { encodeUsage } from './usage.ts'
import type { OpenAIChatChunkDelta, OpenAIChatCompletionChunk, OpenAIChatFinishReason } from './wire.ts'

/*
 * Canonical stream events → Chat Completions chunks (WIRE.md §2.7), exactly as OpenAI writes them: a role chunk, the
 * deltas, a finish chunk, the usage chunk only if the client asked for it, then `[DONE]`. Tool calls are numbered
 * by their order among tool calls, never by block index, since clients key them by `index` alone (edge 26).
 */

/** The client-facing id (`chatcmpl-…`), creation time in Unix seconds and model id, and what the client asked for. */
export type EncodeStreamOptions = {
  id: string
  created: number
  model: string
  /** The client sent `stream_options.include_usage`: every chunk carries `usage`, null until the usage chunk. */
  includeUsage: boolean
  toolNames: ToolNameMap
  /** Relay reasoning as the non-standard `reasoning_content` (WIRE.md §2.3). */
  reasoningContent?: boolean
}

/** One SSE frame to write: no `event:` line in Chat streams. */
export type OpenAIChatStreamFrame = { data: string }

/** What the stream encoder remembers between events. */
export type EncodeStreamState = {
  started: boolean
  done: boolean
  /** Block indices of the tool calls so far: a call's Chat `index` is its position here. */
  toolBlocks: number[]
  usage: Usage | undefined
}

/** A stream encoder for one response. */
export function encodeStream(options: EncodeStreamOptions): Transducer<EncodeStreamState, CanonicalStreamEvent, OpenAIChatStreamFrame> {
  return {
    init: () => ({ started: false, done: false, toolBlocks: [], usage: undefined }),
    step: (state, event) => {
      if (state.done) return []
      const frames: OpenAIChatStreamFrame[] = []
      if (!state.started && event.type !== 'error') {
        state.started = true
        frames.push(chunkFrame(options, { role: 'assistant', content: '' }))
      }
      frames.push(...encodeEvent(options, state, event))
      return frames
    },
    // Input that ends without a finish or an error was cut: the client must see a failure, not a clean end (edge 27).
    flush: (state) => (state.done ? [] : [errorFrame(502, 'The upstream stream ended before it finished')]),
  }
}

function encodeEvent(options: EncodeStreamOptions, state: EncodeStreamState, event: CanonicalStreamEvent): OpenAIChatStreamFrame[] {
  switch (event.type) {
    case 'message-start':
      if (event.usage !== undefined) state.usage = event.usage
      return []
    case 'text-delta':
      return event.text === '' ? [] : [chunkFrame(options, { content: event.text })]
    case 'reasoning-delta':
      return options.reasoningContent === true && event.text !== '' ? [chunkFrame(options, { reasoning_content: event.text })] : []
    case 'tool-call-start': {
      const ordinal = state.toolBlocks.push(event.index) - 1
      const name = originalToolName(options.toolNames, event.name)
      return [chunkFrame(options, { tool_calls: [{ index: ordinal, id: event.id, type: 'function', function: { name, arguments: '' } }] })]
    }
    case 'tool-call-delta': {
      const ordinal = state.toolBlocks.indexOf(event.index)
      if (ordinal === -1 || event.argumentsDelta === '') return []
      return [chunkFrame(options, { tool_calls: [{ index: ordinal, function: { arguments: event.argumentsDelta } }] })]
    }
    case 'usage':
      state.usage = event.usage
      return []
    case 'finish': {
      state.done = true
      const frames = [chunkFrame(options, {}, encodeFinishReason(event.reason, { sawToolCall: state.toolBlocks.length > 0 }))]
      if (options.includeUsage) frames.push(usageFrame(options, state.usage ?? zeroUsage))
      frames.push({ data: '[DONE]' })
      return frames
    }
    case 'error':
      state.done = true
      return [errorFrame(event.error.status, event.error.message)]
    default:
      // Block starts and ends of text and reasoning have no Chat chunk of their own.
      return []
  }
}

function chunkFrame(options: EncodeStreamOptions, delta: OpenAIChatChunkDelta, finishReason: OpenAIChatFinishReason | null = null): OpenAIChatStreamFrame {
  const chunk: OpenAIChatCompletionChunk = {
    id: options.id,
    object: 'chat.completion.chunk',
    created: options.created,
    model: options.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  }
  if (options.includeUsage) chunk.usage = null
  return { data: JSON.stringify(chunk) }
}

function usageFrame(options: EncodeStreamOptions, usage: Usage): OpenAIChatStreamFrame {
  const chunk: OpenAIChatCompletionChunk = { id: options.id, object: 'chat.completion.chunk', created: options.created, model: options.model, choices: [], usage: encodeUsage(usage) }
  return { data: JSON.stringify(chunk) }
}

/** The error chunk, classified by status as every upstream error is: the event's `type` may be any dialect's word. */
function errorFrame(status: number, message: string): OpenAIChatStreamFrame {
  return { data: JSON.stringify(encodeError(gatewayError(classifyUpstreamStatus(status), message, { status }), '').body) }
}
