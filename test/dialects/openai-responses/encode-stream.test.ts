import { describe, expect, test } from 'bun:test'
import type { CanonicalStreamEvent, ContentPart, FinishReason } from '../../../src/core/canonical.ts'
import { runTransducer } from '../../../src/core/transducer.ts'
import { encodeResponse } from '../../../src/dialects/openai-responses/encode-response.ts'
import { encodeStream, type EncodeStreamOptions } from '../../../src/dialects/openai-responses/encode-stream.ts'
import { unpackReasoningContent } from '../../../src/dialects/openai-responses/reasoning-content.ts'
import type { OpenAIResponseSseFrame } from '../../../src/dialects/openai-responses/wire.ts'

const key = 'S'.repeat(32)
const options: EncodeStreamOptions = {
  responseKey: key,
  createdAt: 1760000000,
  model: 'claude-client-alias',
  request: { model: 'claude-client-alias', input: 'Hi', stream: true },
  includeEncryptedReasoning: false,
  customToolNames: new Set(),
}
const usage = { input: 10, cacheRead: 100, cacheWrite5m: 0, cacheWrite1h: 0, output: 40, reasoning: 8 }
const start: CanonicalStreamEvent = { type: 'message-start', id: 'msg_upstream', model: 'claude-sonnet-4' }
const finishWith = (unified: FinishReason['unified'], raw: string = unified): CanonicalStreamEvent => ({ type: 'finish', reason: { unified, raw }, stopSequence: null })
const stop = finishWith('stop', 'end_turn')

type Payload = Record<string, unknown> & { type: string; sequence_number: number }
const encode = (events: CanonicalStreamEvent[], overrides: Partial<EncodeStreamOptions> = {}) => runTransducer(encodeStream({ ...options, ...overrides }), events)
const payloadsOf = (frames: OpenAIResponseSseFrame[]) => frames.map((frame) => JSON.parse(frame.data) as Payload)
const typesOf = (frames: OpenAIResponseSseFrame[]) => frames.map((frame) => frame.event)
const last = (frames: OpenAIResponseSseFrame[]) => payloadsOf(frames).at(-1) as Payload & { response: Record<string, unknown> & { output: Array<Record<string, unknown>> } }

/**
 * Throws on any sequence a Responses client could trip on: the frame name differs from the payload `type`, a
 * `sequence_number` out of step, anything before `response.created` + `response.in_progress` or after the terminal
 * event, an item added out of `output_index` order or with a reused id, an event for an item that is not open (or
 * names the wrong `item_id`), parts and summary parts out of order or left open, items left open at
 * `response.completed`/`.incomplete`, or a final `output` that differs from the items as they were done.
 */
function checkResponsesStream(frames: OpenAIResponseSseFrame[]): void {
  const payloads = payloadsOf(frames)
  const items: Array<{ id: string; open: boolean; parts: number; partOpen: boolean; done?: unknown }> = []
  const ids = new Set<string>()
  const terminal = new Set(['response.completed', 'response.incomplete', 'response.failed'])
  payloads.forEach((payload, position) => {
    const fault = (what: string) => new Error(`event ${position} (${payload.type}): ${what}`)
    if (frames[position]?.event !== payload.type) throw fault(`frame named ${frames[position]?.event}`)
    if (payload.sequence_number !== position) throw fault(`sequence_number ${payload.sequence_number}`)
    if (position === 0 && payload.type !== 'response.created') throw fault('the stream does not start with response.created')
    if (position === 1 && payload.type !== 'response.in_progress') throw fault('response.in_progress is not second')
    if (position > 1 && (payload.type === 'response.created' || payload.type === 'response.in_progress')) throw fault('a second start')
    if (terminal.has(payload.type) && position !== payloads.length - 1) throw fault('events after the terminal event')
    if (payload.type === 'response.failed' && payloads[position - 1]?.type !== 'error') throw fault('response.failed without error before it')
    if (payload.type === 'error' && payloads[position + 1]?.type !== 'response.failed') throw fault('error not followed by response.failed')
    const outputIndex = payload.output_index as number | undefined
    if (payload.type === 'response.output_item.added') {
      const item = payload.item as { id: string }
      if (outputIndex !== items.length) throw fault(`output_index ${outputIndex}, expected ${items.length}`)
      if (item.id === '' || ids.has(item.id)) throw fault(`item id ${item.id} empty or reused`)
      ids.add(item.id)
      items.push({ id: item.id, open: true, parts: 0, partOpen: false })
      return
    }
    if (outputIndex === undefined) {
      if (payload.type === 'response.completed' || payload.type === 'response.incomplete') {
        if (items.some((item) => item.open)) throw fault('an item is still open')
        const output = (payload.response as { output: unknown[] }).output
        expect(output).toEqual(items.map((item) => item.done))
      }
      return
    }
    const item = items[outputIndex]
    if (item === undefined || !item.open) throw fault(`item ${outputIndex} is not open`)
    if (payload.type === 'response.output_item.done') {
      if (item.partOpen) throw fault('a part is still open')
      if ((payload.item as { id: string }).id !== item.id) throw fault('the done item has another id')
      item.open = false
      item.done = payload.item
      return
    }
    if (payload.item_id !== item.id) throw fault(`item_id ${String(payload.item_id)} for item ${item.id}`)
    const partIndex = (payload.content_index ?? payload.summary_index) as number | undefined
    if (payload.type.endsWith('part.added')) {
      if (item.partOpen || partIndex !== item.parts) throw fault(`part ${partIndex} added out of order`)
      item.partOpen = true
      item.parts++
    } else if (partIndex !== undefined) {
      if (!item.partOpen || partIndex !== item.parts - 1) throw fault(`part ${partIndex} is not the open part`)
      if (payload.type.endsWith('part.done')) item.partOpen = false
    }
  })
}

const encodeChecked = (events: CanonicalStreamEvent[], overrides: Partial<EncodeStreamOptions> = {}) => {
  const frames = encode(events, overrides)
  checkResponsesStream(frames)
  return frames
}

/** The canonical events a decoder would give for these parts, one block each, each delta split in two. */
function eventsOf(content: ContentPart[], finish: CanonicalStreamEvent = stop): CanonicalStreamEvent[] {
  const events: CanonicalStreamEvent[] = [start]
  const halves = (text: string) => [text.slice(0, Math.ceil(text.length / 2)), text.slice(Math.ceil(text.length / 2))]
  content.forEach((part, index) => {
    if (part.type === 'text') {
      events.push({ type: 'text-start', index }, ...halves(part.text).map((text) => ({ type: 'text-delta' as const, index, text })), { type: 'text-end', index })
    } else if (part.type === 'reasoning') {
      events.push({ type: 'reasoning-start', index }, ...halves(part.text).map((text) => ({ type: 'reasoning-delta' as const, index, text })))
      events.push(part.signature === undefined ? { type: 'reasoning-end', index } : { type: 'reasoning-end', index, signature: part.signature })
    } else if (part.type === 'redacted-reasoning') {
      events.push({ type: 'reasoning-start', index, redactedData: part.data }, { type: 'reasoning-end', index })
    } else if (part.type === 'tool-call') {
      events.push({ type: 'tool-call-start', index, id: part.id, name: part.name })
      events.push(...halves(part.arguments).map((argumentsDelta) => ({ type: 'tool-call-delta' as const, index, argumentsDelta })), { type: 'tool-call-end', index })
    }
  })
  return [...events, { type: 'usage', usage }, finish]
}

describe('exact event sequences (WIRE §1.4, §3.2)', () => {
  test('text only: created, in_progress, the message item from added to done, completed with the whole response', () => {
    const frames = encodeChecked(eventsOf([{ type: 'text', text: 'Hello there' }]))
    expect(typesOf(frames)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ])
    const payloads = payloadsOf(frames)
    expect(payloads[0]).toMatchObject({ response: { id: `resp_${key}`, status: 'in_progress', output: [], usage: null, model: 'claude-client-alias' } })
    const ref = { item_id: `msg_${key}_0`, output_index: 0 }
    expect(payloads.slice(2, 9)).toEqual([
      { type: 'response.output_item.added', output_index: 0, item: { id: ref.item_id, type: 'message', status: 'in_progress', content: [], role: 'assistant' }, sequence_number: 2 },
      { type: 'response.content_part.added', ...ref, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] }, sequence_number: 3 },
      { type: 'response.output_text.delta', ...ref, content_index: 0, delta: 'Hello ', logprobs: [], sequence_number: 4 },
      { type: 'response.output_text.delta', ...ref, content_index: 0, delta: 'there', logprobs: [], sequence_number: 5 },
      { type: 'response.output_text.done', ...ref, content_index: 0, text: 'Hello there', logprobs: [], sequence_number: 6 },
      { type: 'response.content_part.done', ...ref, content_index: 0, part: { type: 'output_text', text: 'Hello there', annotations: [], logprobs: [] }, sequence_number: 7 },
      {
        type: 'response.output_item.done',
        output_index: 0,
        item: { id: ref.item_id, type: 'message', status: 'completed', content: [{ type: 'output_text', text: 'Hello there', annotations: [], logprobs: [] }], role: 'assistant' },
        sequence_number: 8,
      },
    ])
    expect(last(frames).response).toMatchObject({ status: 'completed', incomplete_details: null, error: null, usage: { input_tokens: 110, output_tokens: 40, total_tokens: 150 } })
  })

  test('reasoning: summary part and text events, encrypted_content only in the done item and only when asked for', () => {
    const events = eventsOf([{ type: 'reasoning', text: 'Think hard', signature: 'sig-9' }, { type: 'text', text: 'Answer' }])
    const frames = encodeChecked(events, { includeEncryptedReasoning: true })
    expect(typesOf(frames).slice(2, 10)).toEqual([
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
    ])
    const payloads = payloadsOf(frames)
    const ref = { item_id: `rs_${key}_0`, output_index: 0, summary_index: 0 }
    expect(payloads[2]).toMatchObject({ item: { id: ref.item_id, type: 'reasoning', summary: [] } })
    expect(payloads[2]?.item).not.toHaveProperty('encrypted_content')
    expect(payloads[3]).toMatchObject({ ...ref, part: { type: 'summary_text', text: '' } })
    expect(payloads[4]).toMatchObject({ ...ref, delta: 'Think' })
    expect(payloads[6]).toMatchObject({ ...ref, text: 'Think hard' })
    expect(payloads[7]).toMatchObject({ ...ref, part: { type: 'summary_text', text: 'Think hard' } })
    const done = payloads[8]?.item as { summary: unknown; encrypted_content: string }
    expect(done.summary).toEqual([{ type: 'summary_text', text: 'Think hard' }])
    expect(unpackReasoningContent(done.encrypted_content)).toEqual({ type: 'reasoning', text: 'Think hard', signature: 'sig-9' })
    expect(payloads[9]).toMatchObject({ output_index: 1, item: { id: `msg_${key}_1` } })
    expect(encode(events).map((frame) => frame.data).join('')).not.toContain('encrypted_content')
  })

  test('thinking with no text: the item without any summary part (as the API sends an empty summary), signature kept', () => {
    const frames = encodeChecked([start, { type: 'reasoning-start', index: 0 }, { type: 'reasoning-end', index: 0, signature: 'sig-empty' }, stop], { includeEncryptedReasoning: true })
    expect(typesOf(frames).slice(2, -1)).toEqual(['response.output_item.added', 'response.output_item.done'])
    const done = payloadsOf(frames)[3]?.item as { summary: unknown; encrypted_content: string }
    expect(done.summary).toEqual([])
    expect(unpackReasoningContent(done.encrypted_content)).toEqual({ type: 'reasoning', text: '', signature: 'sig-empty' })
  })

  test('a signed reasoning end without a start still gets its item; late events for ended blocks are dropped', () => {
    const frames = encodeChecked(
      [
        start,
        { type: 'reasoning-end', index: 0, signature: 'sig-late' },
        { type: 'reasoning-delta', index: 0, text: 'late' },
        { type: 'text-delta', index: 1, text: 'Hi' },
        { type: 'text-end', index: 1 },
        { type: 'text-delta', index: 1, text: ' again' },
        stop,
      ],
      { includeEncryptedReasoning: true },
    )
    const output = last(frames).response.output
    expect(output.map((item) => item.type)).toEqual(['reasoning', 'message'])
    expect(unpackReasoningContent(String(output[0]?.encrypted_content))).toEqual({ type: 'reasoning', text: '', signature: 'sig-late' })
    expect(output[1]).toMatchObject({ content: [{ text: 'Hi' }] })
  })

  test('redacted thinking: added and done at once, summary [] and the data packed; its late end changes nothing', () => {
    const frames = encodeChecked(
      [start, { type: 'reasoning-start', index: 0, redactedData: 'opaque==' }, { type: 'reasoning-delta', index: 0, text: 'x' }, { type: 'reasoning-end', index: 0 }, stop],
      { includeEncryptedReasoning: true },
    )
    expect(typesOf(frames).slice(2, -1)).toEqual(['response.output_item.added', 'response.output_item.done'])
    const done = payloadsOf(frames)[3]?.item as { summary: unknown; encrypted_content: string }
    expect(done.summary).toEqual([])
    expect(unpackReasoningContent(done.encrypted_content)).toEqual({ type: 'redacted-reasoning', data: 'opaque==' })
  })

  test('parallel tool calls: two function_call items, arguments deltas, done with name and arguments', () => {
    const frames = encodeChecked(
      eventsOf(
        [
          { type: 'tool-call', id: 'toolu_a', name: 'get_weather', arguments: '{"city":"Oslo"}' },
          { type: 'tool-call', id: 'toolu_b', name: 'get_time', arguments: '{"zone":"UTC"}' },
        ],
        finishWith('tool-calls', 'tool_use'),
      ),
    )
    const payloads = payloadsOf(frames)
    expect(typesOf(frames).slice(2, 7)).toEqual([
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
    ])
    expect(payloads[2]?.item).toEqual({ id: `fc_${key}_0`, type: 'function_call', status: 'in_progress', arguments: '', call_id: 'toolu_a', name: 'get_weather' })
    expect(payloads[5]).toMatchObject({ item_id: `fc_${key}_0`, output_index: 0, name: 'get_weather', arguments: '{"city":"Oslo"}' })
    expect(payloads[6]?.item).toMatchObject({ status: 'completed', arguments: '{"city":"Oslo"}' })
    expect(payloads[7]).toMatchObject({ output_index: 1, item: { id: `fc_${key}_1`, call_id: 'toolu_b' } })
    expect(last(frames).type).toBe('response.completed')
  })

  test('edge 21: blank arguments become one {} delta, so the deltas still add up to the done arguments', () => {
    const frames = encodeChecked([
      start,
      { type: 'tool-call-start', index: 0, id: 'toolu_e', name: 'list_files' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '  ' },
      { type: 'tool-call-end', index: 0 },
      stop,
    ])
    const deltas = payloadsOf(frames).filter((payload) => payload.type === 'response.function_call_arguments.delta')
    expect(deltas.map((payload) => payload.delta)).toEqual(['{}'])
    expect(payloadsOf(frames).find((payload) => payload.type === 'response.function_call_arguments.done')).toMatchObject({ arguments: '{}' })
  })

  test('custom tool: arguments held whole, then one input delta with the unwrapped input and its done', () => {
    const frames = encodeChecked(
      [
        start,
        { type: 'tool-call-start', index: 0, id: 'toolu_p', name: 'apply_patch' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{"input":"line one\\' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: 'nline two"}' },
        { type: 'tool-call-end', index: 0 },
        stop,
      ],
      { customToolNames: new Set(['apply_patch']) },
    )
    expect(typesOf(frames).slice(2, -1)).toEqual([
      'response.output_item.added',
      'response.custom_tool_call_input.delta',
      'response.custom_tool_call_input.done',
      'response.output_item.done',
    ])
    const payloads = payloadsOf(frames)
    expect(payloads[2]?.item).toEqual({ id: `ctc_${key}_0`, type: 'custom_tool_call', status: 'in_progress', call_id: 'toolu_p', input: '', name: 'apply_patch' })
    expect(payloads[3]).toMatchObject({ item_id: `ctc_${key}_0`, output_index: 0, delta: 'line one\nline two' })
    expect(payloads[4]).toMatchObject({ input: 'line one\nline two' })
    expect(payloads[5]?.item).toMatchObject({ status: 'completed', input: 'line one\nline two' })
  })

  test('consecutive text blocks share one message, one part each; the message ends when a tool call begins', () => {
    const frames = encodeChecked(eventsOf([{ type: 'text', text: 'First. ' }, { type: 'text', text: 'Second.' }, { type: 'tool-call', id: 'toolu_z', name: 'f', arguments: '{}' }]))
    const done = payloadsOf(frames).filter((payload) => payload.type === 'response.output_item.done')
    expect(done.map((payload) => (payload.item as { type: string }).type)).toEqual(['message', 'function_call'])
    expect((done[0]?.item as { content: Array<{ text: string }> }).content.map((part) => part.text)).toEqual(['First. ', 'Second.'])
  })

  test('text-end closes its part at once; the message waits to see whether more text follows', () => {
    const transducer = encodeStream(options)
    const state = transducer.init()
    transducer.step(state, start)
    transducer.step(state, { type: 'text-delta', index: 0, text: 'Hi' })
    const atEnd = transducer.step(state, { type: 'text-end', index: 0 })
    expect(typesOf(atEnd)).toEqual(['response.output_text.done', 'response.content_part.done'])
    expect(typesOf(transducer.step(state, { type: 'tool-call-start', index: 1, id: 'toolu_a', name: 'f' }))).toEqual([
      'response.output_item.done',
      'response.output_item.added',
    ])
  })

  test('an empty text block opens nothing', () => {
    const frames = encodeChecked([start, { type: 'text-start', index: 0 }, { type: 'text-delta', index: 0, text: '' }, { type: 'text-end', index: 0 }, stop])
    expect(typesOf(frames)).toEqual(['response.created', 'response.in_progress', 'response.completed'])
  })
})

describe('endings', () => {
  test('max tokens with a block still open: the block is closed first, incomplete, then response.incomplete', () => {
    const frames = encodeChecked([start, { type: 'text-start', index: 0 }, { type: 'text-delta', index: 0, text: 'Cut o' }, finishWith('length', 'max_tokens')])
    expect(typesOf(frames).slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.incomplete'])
    expect(payloadsOf(frames).at(-2)?.item).toMatchObject({ status: 'incomplete' })
    expect(last(frames).response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } })
  })

  test('a tool call still open at an ordinary finish is closed before response.completed', () => {
    const frames = encodeChecked([start, { type: 'tool-call-start', index: 0, id: 'toolu_a', name: 'f' }, { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a":1}' }, stop])
    expect(typesOf(frames).slice(-3)).toEqual(['response.function_call_arguments.done', 'response.output_item.done', 'response.completed'])
  })

  test('an error event: error with the code by status, then response.failed carrying the items so far', () => {
    const frames = encodeChecked([
      start,
      { type: 'text-delta', index: 0, text: 'Half an answer' },
      { type: 'error', error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } },
    ])
    const payloads = payloadsOf(frames)
    expect(payloads.at(-2)).toEqual({ type: 'error', code: 'server_error', message: 'Overloaded', param: null, sequence_number: payloads.length - 2 })
    const failed = last(frames)
    expect(failed.type).toBe('response.failed')
    expect(failed.response).toMatchObject({ status: 'failed', error: { code: 'server_error', message: 'Overloaded' }, incomplete_details: null })
    expect(failed.response.output).toEqual([
      { id: `msg_${key}_0`, type: 'message', status: 'incomplete', content: [{ type: 'output_text', text: 'Half an answer', annotations: [], logprobs: [] }], role: 'assistant' },
    ])
    // The half-written item gets no output_item.done: clients that keep done items must not keep it.
    expect(typesOf(frames)).not.toContain('response.output_item.done')
  })

  test('a rate limit error keeps its code', () => {
    const frames = encodeChecked([start, { type: 'error', error: { status: 429, type: 'rate_limit_error', message: 'Slow down' } }])
    expect(payloadsOf(frames).at(-2)).toMatchObject({ type: 'error', code: 'rate_limit_exceeded', message: 'Slow down' })
  })

  test('edge 27: a cut stream is never a success: error (server_error) and response.failed on flush', () => {
    const frames = encodeChecked([start, { type: 'text-delta', index: 0, text: 'Half' }, { type: 'usage', usage }])
    expect(typesOf(frames).slice(-2)).toEqual(['error', 'response.failed'])
    expect(payloadsOf(frames).at(-2)).toMatchObject({ code: 'server_error', message: 'The upstream stream ended before it finished' })
    expect(last(frames).response).toMatchObject({ status: 'failed', usage: { input_tokens: 110, output_tokens: 40 } })
  })

  test('an error as the very first event still starts the response, so the client has one to fail', () => {
    const frames = encodeChecked([{ type: 'error', error: { status: 400, type: 'invalid_request_error', message: 'Bad' } }])
    expect(typesOf(frames)).toEqual(['response.created', 'response.in_progress', 'error', 'response.failed'])
    expect(payloadsOf(frames)[2]).toMatchObject({ code: 'invalid_request_error', message: 'Bad' })
  })

  test('an error finish reason fails the response', () => {
    const frames = encodeChecked([start, finishWith('error')])
    expect(typesOf(frames).slice(-2)).toEqual(['error', 'response.failed'])
  })

  test('nothing after the terminal event, flush included', () => {
    const transducer = encodeStream(options)
    const state = transducer.init()
    for (const event of eventsOf([{ type: 'text', text: 'Hi' }])) transducer.step(state, event)
    expect(transducer.step(state, { type: 'text-delta', index: 5, text: 'late' })).toEqual([])
    expect(transducer.step(state, { type: 'error', error: { status: 500, type: 'api_error', message: 'late' } })).toEqual([])
    expect(transducer.flush(state)).toEqual([])
  })
})

describe('the streamed response ends as the whole response would be', () => {
  const cases: Array<[string, ContentPart[], FinishReason['unified']]> = [
    ['text', [{ type: 'text', text: 'Hello there' }], 'stop'],
    ['reasoning, text runs and parallel calls', [
      { type: 'reasoning', text: 'Plan it', signature: 'sig-1' },
      { type: 'text', text: 'One. ' },
      { type: 'text', text: 'Two.' },
      { type: 'tool-call', id: 'toolu_a', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { type: 'tool-call', id: 'toolu_b', name: 'apply_patch', arguments: '{"input":"patch body"}' },
    ], 'tool-calls'],
    ['redacted and empty thinking', [
      { type: 'redacted-reasoning', data: 'opaque==' },
      { type: 'reasoning', text: '', signature: 'sig-2' },
      { type: 'text', text: 'Done' },
    ], 'stop'],
    ['cut off by max tokens', [{ type: 'text', text: 'Half an ans' }], 'length'],
  ]
  for (const [name, content, unified] of cases) {
    test(name, () => {
      const overrides = { includeEncryptedReasoning: true, customToolNames: new Set(['apply_patch']) }
      const frames = encodeChecked(eventsOf(content, finishWith(unified)), overrides)
      const whole = encodeResponse({ id: 'msg_upstream', model: 'm', content, finish: { unified, raw: unified }, stopSequence: null, usage }, { ...options, ...overrides })
      expect(last(frames).response as unknown).toEqual(whole)
    })
  }
})

describe('a tool call cut off by the output limit', () => {
  const torn: CanonicalStreamEvent[] = [
    start,
    { type: 'tool-call-start', index: 0, id: 'toolu_cut', name: 'get_weather' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"location": "Tok' },
    { type: 'tool-call-end', index: 0 },
    finishWith('length', 'max_tokens'),
  ]

  test('is done as incomplete, never as a call the client could run, and the response is incomplete', () => {
    const frames = encode(torn)
    checkResponsesStream(frames)
    const done = payloadsOf(frames).find((payload) => payload.type === 'response.output_item.done') as Payload & { item: Record<string, unknown> }
    expect(done.item).toMatchObject({ type: 'function_call', status: 'incomplete', arguments: '{"location": "Tok' })
    expect(last(frames)).toMatchObject({ type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } })
  })

  test('the whole-response encoder marks it the same way', () => {
    const content: ContentPart[] = [{ type: 'tool-call', id: 'toolu_cut', name: 'get_weather', arguments: '{"location": "Tok' }]
    const response = encodeResponse({ id: 'msg_1', model: 'claude', content, finish: { unified: 'length', raw: 'max_tokens' }, stopSequence: null, usage }, options)
    expect(response.output[0]).toMatchObject({ type: 'function_call', status: 'incomplete' })
    expect(response.status).toBe('incomplete')
  })
})
