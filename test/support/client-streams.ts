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

/** A Responses stream event as the client parses it: the fields the wire rules below look at. */
type ResponsesEvent = Record<string, unknown> & {
  type: string
  sequence_number: number
  output_index?: number
  item_id?: string
  content_index?: number
  summary_index?: number
  delta?: string
  item?: { id?: string; type?: string; content?: { text?: string }[]; summary?: { text?: string }[]; arguments?: string }
  response?: { id?: string; created_at?: number; model?: string; status?: string; output?: unknown[] }
}

/** An output item from its `output_item.added` on: its id, whether it is done, and the text of each part so far. */
type ResponsesItemTrack = { id: string | undefined; type: string | undefined; done: boolean; parts: Map<string, { text: string; done: boolean }>; argumentsText: string }

const responsesTerminalTypes = ['response.completed', 'response.incomplete', 'response.failed']

/** Part events: which list of the item they index (`content` or `summary`), and whether they open, feed or close a part. */
const responsesPartEvents: Record<string, { list: 'content' | 'summary'; role: 'open' | 'delta' | 'text-done' | 'close' }> = {
  'response.content_part.added': { list: 'content', role: 'open' },
  'response.output_text.delta': { list: 'content', role: 'delta' },
  'response.output_text.done': { list: 'content', role: 'text-done' },
  'response.content_part.done': { list: 'content', role: 'close' },
  'response.reasoning_summary_part.added': { list: 'summary', role: 'open' },
  'response.reasoning_summary_text.delta': { list: 'summary', role: 'delta' },
  'response.reasoning_summary_text.done': { list: 'summary', role: 'text-done' },
  'response.reasoning_summary_part.done': { list: 'summary', role: 'close' },
}

/**
 * Throws unless `text` is a Responses stream as WIRE.md §1.4 has it: every frame named (`event:`) by its payload's
 * `type`; `sequence_number` 0, 1, 2… without a gap; `response.created` then `response.in_progress`, all response
 * objects of one id, time and model; items added at output_index 0, 1, 2…, every event for an item (or its parts,
 * themselves added in order) between its `added` and its `done`, each `done` text equal to its deltas; exactly one
 * terminal event (`response.completed`, `.incomplete` or `.failed`) and it is last, an `error` only immediately
 * before `response.failed`; no `[DONE]`. A completed or incomplete response has every item done, and its output is
 * exactly the done items. Returns the parsed events.
 */
export function checkResponsesStream(text: string): ResponsesEvent[] {
  const frames = naiveFrames(text)
  const events = frames.map((frame, position) => {
    if (frame.data === '[DONE]') throw new Error(`frame ${position}: a Responses stream has no [DONE]`)
    const event = JSON.parse(frame.data) as ResponsesEvent
    if (frame.event !== event.type) throw new Error(`frame ${position}: event: ${frame.event}, but type ${event.type}`)
    if (event.sequence_number !== position) throw new Error(`frame ${position}: sequence_number ${event.sequence_number}`)
    return event
  })
  if (events[0]?.type !== 'response.created' || events[1]?.type !== 'response.in_progress') {
    throw new Error(`does not start with response.created, response.in_progress: ${events.slice(0, 2).map((event) => event.type).join(', ')}`)
  }
  const terminals = events.filter((event) => responsesTerminalTypes.includes(event.type))
  if (terminals.length !== 1 || terminals[0] !== events.at(-1)) throw new Error(`not one terminal event, last: ${events.map((event) => event.type).join(', ')}`)
  const terminal = terminals[0] as ResponsesEvent
  const stamp = events[0].response
  for (const event of events.filter((each) => each.response !== undefined)) {
    const { id, created_at, model } = event.response ?? {}
    if (id !== stamp?.id || created_at !== stamp?.created_at || model !== stamp?.model) throw new Error(`${event.type}: response ${JSON.stringify({ id, created_at, model })}, not ${JSON.stringify(stamp)}`)
  }
  const errorAt = events.findIndex((event) => event.type === 'error')
  if (errorAt !== -1 && (errorAt !== events.length - 2 || terminal.type !== 'response.failed')) throw new Error(`error at ${errorAt} is not right before response.failed`)
  const items: ResponsesItemTrack[] = []
  events.slice(2, errorAt === -1 ? -1 : -2).forEach((event) => checkResponsesItemEvent(items, event))
  if (terminal.type !== 'response.failed') {
    const open = items.findIndex((item) => !item.done)
    if (open !== -1) throw new Error(`${terminal.type} with item ${open} never done`)
    const doneItems = events.filter((event) => event.type === 'response.output_item.done').map((event) => event.item)
    const inOrder = [...doneItems].sort((left, right) => items.findIndex((item) => item.id === left?.id) - items.findIndex((item) => item.id === right?.id))
    if (JSON.stringify(terminal.response?.output) !== JSON.stringify(inOrder)) throw new Error(`${terminal.type}: output is not the done items`)
  }
  return events
}

/** One event between the start and the end of a Responses stream, against the items added so far. */
function checkResponsesItemEvent(items: ResponsesItemTrack[], event: ResponsesEvent): void {
  const where = `event ${event.sequence_number} (${event.type})`
  if (event.type === 'error' || event.type === 'response.in_progress') throw new Error(`${where}: out of place`)
  if (event.output_index === undefined) throw new Error(`${where}: names no output_index`)
  if (event.type === 'response.output_item.added') {
    if (event.output_index !== items.length) throw new Error(`${where}: added at ${event.output_index}, expected ${items.length}`)
    const id = event.item?.id
    if (id !== undefined && items.some((item) => item.id === id)) throw new Error(`${where}: duplicate item id ${id}`)
    items.push({ id, type: event.item?.type, done: false, parts: new Map(), argumentsText: '' })
    return
  }
  const item = items[event.output_index]
  if (item === undefined || item.done) throw new Error(`${where}: item ${event.output_index} is ${item === undefined ? 'not added' : 'already done'}`)
  if (event.type === 'response.output_item.done') {
    const doneItem = event.item ?? {}
    if (doneItem.id !== item.id || doneItem.type !== item.type) throw new Error(`${where}: done item ${doneItem.id} is not the added ${item.id}`)
    if ([...item.parts.values()].some((part) => !part.done)) throw new Error(`${where}: a part is still open`)
    // The done item is what the deltas built: the SDK keeps the done item and forgets the deltas.
    const parts = [...(doneItem.content ?? []).map((part, index) => [`content:${index}`, part.text]), ...(doneItem.summary ?? []).map((part, index) => [`summary:${index}`, part.text])]
    const built = [...item.parts].map(([key, part]) => [key, part.text])
    if (JSON.stringify(parts) !== JSON.stringify(built)) throw new Error(`${where}: parts ${JSON.stringify(parts)}, deltas built ${JSON.stringify(built)}`)
    if (item.type === 'function_call' && doneItem.arguments !== item.argumentsText) throw new Error(`${where}: arguments are not their deltas`)
    item.done = true
    return
  }
  if (event.item_id !== item.id) throw new Error(`${where}: item_id ${event.item_id}, not ${item.id}`)
  if (event.type === 'response.function_call_arguments.delta') item.argumentsText += event.delta ?? ''
  else if (event.type === 'response.function_call_arguments.done') {
    if (event.arguments !== item.argumentsText) throw new Error(`${where}: arguments ${JSON.stringify(event.arguments)}, deltas ${JSON.stringify(item.argumentsText)}`)
  } else checkResponsesPartEvent(item, event, where)
}

/** Content and summary parts: added in order, fed while open, done with the text of their deltas. */
function checkResponsesPartEvent(item: ResponsesItemTrack, event: ResponsesEvent, where: string): void {
  const kind = responsesPartEvents[event.type]
  if (kind === undefined) throw new Error(`${where}: not an event this checker knows`)
  const index = kind.list === 'content' ? event.content_index : event.summary_index
  const key = `${kind.list}:${index}`
  const part = item.parts.get(key)
  if (kind.role === 'open') {
    const count = [...item.parts.keys()].filter((each) => each.startsWith(`${kind.list}:`)).length
    if (part !== undefined || index !== count) throw new Error(`${where}: part ${index} added, expected ${count}`)
    item.parts.set(key, { text: '', done: false })
    return
  }
  if (part === undefined || part.done) throw new Error(`${where}: part ${index} is ${part === undefined ? 'not added' : 'already done'}`)
  if (kind.role === 'delta') part.text += event.delta ?? ''
  else if (kind.role === 'text-done' && event.text !== part.text) throw new Error(`${where}: text ${JSON.stringify(event.text)}, deltas ${JSON.stringify(part.text)}`)
  else if (kind.role === 'close') part.done = true
}

/** A client of the official SDK whose every request is answered with `body`. */
function openaiAnswering(body: string, contentType: string): OpenAI {
  return new OpenAI({
    apiKey: 'test-key',
    baseURL: 'http://anvat.test/v1',
    maxRetries: 0,
    fetch: async () => new Response(body, { headers: { 'content-type': contentType } }),
  })
}

/** The response the official SDK's ResponseStream accumulates from this SSE text; rejects as the SDK would. */
export async function sdkResponse(text: string): Promise<OpenAI.Responses.Response> {
  return openaiAnswering(text, 'text/event-stream').responses.stream({ model: 'any', input: 'Hi' }).finalResponse()
}

/** The response `client.responses.create` returns for this JSON body. */
export async function sdkCreatedResponse(bodyText: string): Promise<OpenAI.Responses.Response> {
  return openaiAnswering(bodyText, 'application/json').responses.create({ model: 'any', input: 'Hi', stream: false })
}
