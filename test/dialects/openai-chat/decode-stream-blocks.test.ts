import { describe, expect, test } from 'bun:test'
import type { CanonicalStreamEvent } from '../../../src/core/canonical.ts'
import { chatChunk, chatStreamBody, decodeChatStream, toolCallDelta } from '../../support/builders/openai-chat-stream.ts'

type Block = { kind: string; id?: string; name?: string; body: string }

/**
 * The blocks of a decoded stream in start order, checking on the way that each is contiguous (nothing of another
 * block between its start and its end), that indices count up from 0, and that no block is left open.
 */
function blocksOf(events: CanonicalStreamEvent[]): Block[] {
  const blocks: Block[] = []
  let open: number | undefined
  for (const event of events) {
    if (!('index' in event)) continue
    if (event.type.endsWith('-start')) {
      expect(open).toBeUndefined()
      expect(event.index).toBe(blocks.length)
      open = event.index
      const kind = event.type.replace('-start', '')
      blocks.push(event.type === 'tool-call-start' ? { kind, id: event.id, name: event.name, body: '' } : { kind, body: '' })
      continue
    }
    expect(event.index).toBe(open as number)
    const block = blocks[event.index] as Block
    if (event.type === 'text-delta' || event.type === 'reasoning-delta') block.body += event.text
    if (event.type === 'tool-call-delta') {
      expect(event.argumentsDelta).not.toBe('')
      block.body += event.argumentsDelta
    }
    if (event.type.endsWith('-end')) open = undefined
  }
  expect(open).toBeUndefined()
  return blocks
}

const finishOf = (events: CanonicalStreamEvent[]) => events.at(-1)

describe('edge 5: parallel tool calls', () => {
  test('interleaved fragments of two calls land in two contiguous blocks, each with its own arguments', () => {
    const body = chatStreamBody([
      chatChunk(toolCallDelta(0, { id: 'call_a', name: 'get_weather', arguments: '' })),
      chatChunk(toolCallDelta(1, { id: 'call_b', name: 'get_time', arguments: '' })),
      chatChunk(toolCallDelta(0, { arguments: '{"city":' })),
      chatChunk(toolCallDelta(1, { arguments: '{"zone":' })),
      chatChunk(toolCallDelta(1, { arguments: '"UTC"}' })),
      chatChunk(toolCallDelta(0, { arguments: '"Paris"}' })),
      chatChunk({}, 'tool_calls'),
    ])
    for (const sizeBytes of [1, 7, 64]) {
      expect(blocksOf(decodeChatStream(body, sizeBytes))).toEqual([
        { kind: 'tool-call', id: 'call_a', name: 'get_weather', body: '{"city":"Paris"}' },
        { kind: 'tool-call', id: 'call_b', name: 'get_time', body: '{"zone":"UTC"}' },
      ])
    }
  })

  test('a buffered call goes out whole (start, one delta, end) once the open call completes', () => {
    const events = decodeChatStream(
      chatStreamBody([
        chatChunk(toolCallDelta(0, { id: 'call_a', name: 'f', arguments: '{"x":' })),
        chatChunk(toolCallDelta(1, { id: 'call_b', name: 'g', arguments: '{"y":2}' })),
        chatChunk(toolCallDelta(0, { arguments: '1}' })),
        chatChunk({}, 'tool_calls'),
      ]),
    )
    expect(events.filter((event) => event.type.startsWith('tool-call') && 'index' in event && event.index === 1)).toEqual([
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'g' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"y":2}' },
      { type: 'tool-call-end', index: 1 },
    ])
  })

  test('upstreams that give every call index 0: a new id at the same index is a new call', () => {
    const body = chatStreamBody([
      chatChunk(toolCallDelta(0, { id: 'call_a', name: 'f', arguments: '{"n":' })),
      chatChunk(toolCallDelta(0, { arguments: '1}' })),
      chatChunk(toolCallDelta(0, { id: 'call_b', name: 'f', arguments: '{"n":' })),
      chatChunk(toolCallDelta(0, { arguments: '2}' })),
      chatChunk({}, 'tool_calls'),
    ])
    expect(blocksOf(decodeChatStream(body))).toEqual([
      { kind: 'tool-call', id: 'call_a', name: 'f', body: '{"n":1}' },
      { kind: 'tool-call', id: 'call_b', name: 'f', body: '{"n":2}' },
    ])
  })

  test('index 0 for every call and arguments that never close (no JSON to see): the new id still ends the first', () => {
    const body = chatStreamBody([
      chatChunk(toolCallDelta(0, { id: 'call_a', name: 'f', arguments: 'x' })),
      chatChunk(toolCallDelta(0, { id: 'call_b', name: 'g', arguments: 'y' })),
      chatChunk({}, 'tool_calls'),
    ])
    expect(blocksOf(decodeChatStream(body)).map((block) => [block.id, block.body])).toEqual([
      ['call_a', 'x'],
      ['call_b', 'y'],
    ])
  })

  test('whole arguments at once: start, one delta and end go out together, before the finish', () => {
    const events = decodeChatStream(chatStreamBody([chatChunk(toolCallDelta(0, { id: 'call_a', name: 'f', arguments: '{"a":[1,{"b":"}"}]}' })), chatChunk({}, 'stop')]))
    expect(events.slice(1)).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a":[1,{"b":"}"}]}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'finish', reason: { unified: 'tool-calls', raw: 'stop' }, stopSequence: null },
    ])
  })

  test('ids repeated on every fragment, and calls without an index, are followed by id', () => {
    const body = chatStreamBody([
      chatChunk(toolCallDelta(undefined, { id: 'call_a', name: 'f', arguments: '{"a":' })),
      chatChunk(toolCallDelta(undefined, { id: 'call_b', name: 'g', arguments: '{"b":2}' })),
      chatChunk(toolCallDelta(undefined, { id: 'call_a', arguments: '1}' })),
      chatChunk({}, 'tool_calls'),
    ])
    expect(blocksOf(decodeChatStream(body)).map((block) => [block.id, block.body])).toEqual([
      ['call_a', '{"a":1}'],
      ['call_b', '{"b":2}'],
    ])
  })
})

describe('tool call details', () => {
  test('edge 21: empty arguments (OpenRouter streams "") give a call with no delta at all', () => {
    const events = decodeChatStream(
      chatStreamBody([chatChunk(toolCallDelta(0, { id: 'call_a', name: 'list_files', arguments: '' })), chatChunk(toolCallDelta(0, { arguments: '' })), chatChunk({}, 'tool_calls')]),
    )
    expect(events.slice(1, -1)).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'list_files' },
      { type: 'tool-call-end', index: 0 },
    ])
  })

  test('edge 2: foreign ids (Kimi "functions.get:0") are kept exactly; the one sanitiser applies at the encoder', () => {
    const events = decodeChatStream(chatStreamBody([chatChunk(toolCallDelta(0, { id: 'functions.get:0', name: 'get', arguments: '{}' })), chatChunk({}, 'tool_calls')]))
    expect(events[1]).toEqual({ type: 'tool-call-start', index: 0, id: 'functions.get:0', name: 'get' })
  })

  test('calls sent without an id get a stable one derived from the completion id', () => {
    const body = chatStreamBody([chatChunk(toolCallDelta(0, { name: 'f', arguments: '{}' })), chatChunk(toolCallDelta(1, { name: 'g', arguments: '{}' })), chatChunk({}, 'tool_calls')])
    expect(blocksOf(decodeChatStream(body)).map((block) => block.id)).toEqual(['call_synthetic_0', 'call_synthetic_1'])
    expect(decodeChatStream(body)).toEqual(decodeChatStream(body))
  })

  test('the legacy function_call delta is a tool call', () => {
    const body = chatStreamBody([chatChunk({ function_call: { name: 'f', arguments: '{"q":' } }), chatChunk({ function_call: { arguments: '1}' } }), chatChunk({}, 'function_call')])
    expect(blocksOf(decodeChatStream(body))).toEqual([{ kind: 'tool-call', id: 'call_synthetic_0', name: 'f', body: '{"q":1}' }])
    expect(finishOf(decodeChatStream(body))).toMatchObject({ reason: { unified: 'tool-calls', raw: 'function_call' } })
  })

  test('a call left open at the finish is closed then; a call still buffered goes out whole', () => {
    const body = chatStreamBody([
      chatChunk(toolCallDelta(0, { id: 'call_a', name: 'f', arguments: '{"a":1' })),
      chatChunk(toolCallDelta(1, { id: 'call_b', name: 'g', arguments: '{"b":' })),
      chatChunk({}, 'tool_calls'),
    ])
    expect(blocksOf(decodeChatStream(body)).map((block) => block.body)).toEqual(['{"a":1', '{"b":'])
  })
})

describe('text around tool calls', () => {
  test('text before a call is its own block, closed when the call starts', () => {
    const body = chatStreamBody([chatChunk({ content: 'Let me check.' }), chatChunk(toolCallDelta(0, { id: 'call_a', name: 'f', arguments: '{}' })), chatChunk({}, 'tool_calls')])
    expect(blocksOf(decodeChatStream(body))).toEqual([
      { kind: 'text', body: 'Let me check.' },
      { kind: 'tool-call', id: 'call_a', name: 'f', body: '{}' },
    ])
  })

  test('text that arrives while a call is still being written waits for it, then opens a block after it', () => {
    const body = chatStreamBody([
      chatChunk(toolCallDelta(0, { id: 'call_a', name: 'f', arguments: '{"a":' })),
      chatChunk({ content: 'Done.' }),
      chatChunk(toolCallDelta(0, { arguments: '1}' })),
      chatChunk({ content: ' Really.' }),
      chatChunk({}, 'tool_calls'),
    ])
    expect(blocksOf(decodeChatStream(body))).toEqual([
      { kind: 'tool-call', id: 'call_a', name: 'f', body: '{"a":1}' },
      { kind: 'text', body: 'Done. Really.' },
    ])
  })

  test('reasoning, then text, then calls keep that order in one pass', () => {
    const body = chatStreamBody([
      chatChunk({ reasoning_content: 'Plan' }),
      chatChunk({ content: 'Calling.' }),
      chatChunk(toolCallDelta(0, { id: 'call_a', name: 'f', arguments: '{}' })),
      chatChunk({}, 'tool_calls'),
    ])
    expect(blocksOf(decodeChatStream(body)).map((block) => block.kind)).toEqual(['reasoning', 'text', 'tool-call'])
  })
})
