import OpenAI from 'openai'
import type { AnthropicSseFrame } from '../../src/dialects/anthropic/wire.ts'
import { checkEventOrder } from '../dialects/anthropic/stream-support.ts'

/*
 * Checks of a translated stream as the client receives it, written against the client's wire rules rather than
 * against our encoders: a naive frame split (one `data:` line per event, LF framing, which our writer always
 * produces), the event order each SDK relies on, and the official OpenAI accumulator over the bytes.
 */

/** The events of an SSE text written by `encodeSseFrame`; throws on anything else (a second data line, CR, a comment). */
export function naiveFrames(text: string): AnthropicSseFrame[] {
  if (!text.endsWith('\n\n')) throw new Error('stream does not end with a blank line')
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((block) => {
      const lines = block.split('\n')
      const eventLine = lines.length === 2 ? lines[0] : undefined
      const dataLine = lines.at(-1) ?? ''
      if (lines.length > 2 || !dataLine.startsWith('data: ') || (eventLine !== undefined && !eventLine.startsWith('event: '))) {
        throw new Error(`not one event: ${JSON.stringify(block)}`)
      }
      const data = dataLine.slice('data: '.length)
      return eventLine === undefined ? { event: '', data } : { event: eventLine.slice('event: '.length), data }
    })
}

/**
 * Throws unless `text` is the Anthropic sequence a client expects: `message_start` stamped with `stamp`, then
 * exactly one `ping`, blocks in sequence one at a time (checkEventOrder), and a `message_delta` + `message_stop`
 * ending when `complete`, else an `error` ending.
 */
export function checkAnthropicStream(text: string, stamp: { id: string; model: string }, complete: boolean): AnthropicSseFrame[] {
  const frames = naiveFrames(text)
  checkEventOrder(frames)
  const events = frames.map((frame) => frame.event)
  const start = JSON.parse(frames[0]?.data ?? '{}') as { message?: { id?: string; model?: string } }
  if (events[0] !== 'message_start' || start.message?.id !== stamp.id || start.message.model !== stamp.model) {
    throw new Error(`first event is not message_start for ${stamp.id} / ${stamp.model}: ${frames[0]?.data}`)
  }
  if (events[1] !== 'ping' || events.filter((event) => event === 'ping').length !== 1) throw new Error(`not one ping, second: ${events.join(', ')}`)
  const ending = complete ? ['message_delta', 'message_stop'] : ['error']
  if (events.slice(-ending.length).join() !== ending.join()) throw new Error(`ends with ${events.slice(-2).join(', ')}, expected ${ending.join(', ')}`)
  if (events.filter((event) => event === 'message_delta').length !== (complete ? 1 : 0)) throw new Error(`message_delta count: ${events.join(', ')}`)
  return frames
}

type ChatChunk = {
  id: string
  object: string
  created: number
  model: string
  choices: { index: number; delta: ChatDelta; finish_reason: string | null }[]
  usage?: unknown
}

type ChatDelta = Record<string, unknown> & { tool_calls?: { index: number; id?: string; type?: string; function: { name?: string } }[] }

/**
 * Throws unless `text` is the Chat sequence a client expects with `include_usage`: a role chunk, deltas (tool calls
 * numbered 0, 1, … in order of first appearance, each first fragment with its id, type and name), then one finish
 * chunk, the usage chunk and `[DONE]` when `complete`, else one error chunk and nothing after. Every chunk carries
 * `stamp`, and `"usage": null` until the usage chunk. Returns the parsed payloads, `[DONE]` left out.
 */
export function checkChatStream(text: string, stamp: { id: string; created: number; model: string }, complete: boolean): Record<string, unknown>[] {
  const frames = naiveFrames(text)
  if (frames.some((frame) => frame.event !== '')) throw new Error('a Chat stream has no event: lines')
  const doneAt = frames.findIndex((frame) => frame.data === '[DONE]')
  if (doneAt !== (complete ? frames.length - 1 : -1)) throw new Error(`[DONE] at frame ${doneAt} of ${frames.length}`)
  const payloads = frames.slice(0, complete ? -1 : undefined).map((frame) => JSON.parse(frame.data) as Record<string, unknown>)
  const chunks = payloads.slice(0, complete ? -2 : -1) as ChatChunk[]
  const ending = payloads.slice(chunks.length)
  if (complete) {
    const [finish, usage] = ending as [ChatChunk, ChatChunk]
    checkEnvelope(finish, stamp, 'finish chunk')
    if (finish.choices.length !== 1 || finish.choices[0]?.finish_reason === null || JSON.stringify(finish.choices[0]?.delta) !== '{}') {
      throw new Error(`not a finish chunk: ${JSON.stringify(finish)}`)
    }
    if (JSON.stringify(Object.keys(usage)) !== '["id","object","created","model","choices","usage"]' || usage.choices.length !== 0 || typeof usage.usage !== 'object' || usage.usage === null) {
      throw new Error(`not a usage chunk: ${JSON.stringify(usage)}`)
    }
    checkEnvelope(usage, stamp, 'usage chunk', true)
  } else {
    const error = ending[0]?.error as { message?: unknown; type?: unknown } | undefined
    if (ending.length !== 1 || Object.keys(ending[0] ?? {}).length !== 1 || typeof error?.message !== 'string' || typeof error.type !== 'string') {
      throw new Error(`not an error chunk: ${JSON.stringify(ending)}`)
    }
  }
  if (JSON.stringify(chunks[0]?.choices[0]?.delta) !== '{"role":"assistant","content":""}') throw new Error(`no role chunk first: ${JSON.stringify(chunks[0])}`)
  const toolCallIds: string[] = []
  chunks.forEach((chunk, position) => {
    const where = `chunk ${position}`
    checkEnvelope(chunk, stamp, where)
    const choice = chunk.choices[0]
    if (choice?.finish_reason !== null) throw new Error(`${where}: finish_reason before the finish chunk`)
    for (const call of choice.delta.tool_calls ?? []) {
      if (call.index === toolCallIds.length) {
        if (call.id === undefined || call.type !== 'function' || call.function.name === undefined) throw new Error(`${where}: a call's first fragment lacks id, type or name`)
        toolCallIds.push(call.id)
      } else if (call.index > toolCallIds.length || call.id !== undefined) throw new Error(`${where}: tool call index ${call.index} out of sequence`)
    }
  })
  return payloads
}

/** The stamp on every chunk; and, on all but the usage chunk, exactly choice 0 and `"usage": null`. */
function checkEnvelope(chunk: ChatChunk, stamp: { id: string; created: number; model: string }, where: string, isUsageChunk = false): void {
  const { id, object, created, model, usage } = chunk
  if (id !== stamp.id || object !== 'chat.completion.chunk' || created !== stamp.created || model !== stamp.model) {
    throw new Error(`${where}: envelope ${JSON.stringify({ id, object, created, model })}`)
  }
  if (isUsageChunk) return
  if (usage !== null) throw new Error(`${where}: usage is ${JSON.stringify(usage)}, not null`)
  if (chunk.choices.length !== 1 || chunk.choices[0]?.index !== 0) throw new Error(`${where}: not exactly choice 0`)
}

/** The completion the official SDK's ChatCompletionStream accumulates from these bytes; rejects as the SDK would. */
export async function sdkChatCompletion(bytes: Uint8Array): Promise<OpenAI.ChatCompletion> {
  const client = new OpenAI({
    apiKey: 'test-key',
    baseURL: 'http://anvat.test/v1',
    maxRetries: 0,
    fetch: async () => new Response(bytes, { headers: { 'content-type': 'text/event-stream' } }),
  })
  const stream = client.chat.completions.stream({ model: 'any', messages: [{ role: 'user', content: 'Hi' }], stream_options: { include_usage: true } })
  return stream.finalChatCompletion()
}
