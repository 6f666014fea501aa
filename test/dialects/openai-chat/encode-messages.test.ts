import { describe, expect, test } from 'bun:test'
import type { CanonicalMessage, ContentPart, Warning } from '../../../src/core/canonical.ts'
import { encodeMessages, missingResultText, relayedImageNote } from '../../../src/dialects/openai-chat/encode-messages.ts'
import type { ToolNameMap } from '../../../src/dialects/openai-chat/tool-name.ts'
import { sanitizeToolId } from '../../../src/core/tool-id.ts'

function encode(messages: CanonicalMessage[]) {
  const warnings: Warning[] = []
  const toolNames: ToolNameMap = {}
  const result = encodeMessages({ model: 'm', system: [], messages, tools: [], stream: false, vendor: {} }, { systemRole: 'system', toolNames, warnings })
  return { result, warnings }
}

function messagesOf(messages: CanonicalMessage[]) {
  const { result } = encode(messages)
  if ('error' in result) throw new Error(`expected messages, got ${JSON.stringify(result.error)}`)
  return result.messages
}

const png = { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } as const
const call = (id: string, name = 'f', args = '{}'): ContentPart => ({ type: 'tool-call', id, name, arguments: args })
const result = (toolCallId: string, text: string, isError = false): ContentPart => ({ type: 'tool-result', toolCallId, content: [{ type: 'text', text }], isError })

describe('user turns', () => {
  test('a lone text is a plain string; several parts stay parts; blank text is dropped', () => {
    expect(messagesOf([{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: '  ' }] }])).toEqual([{ role: 'user', content: 'Hi' }])
    expect(messagesOf([{ role: 'user', content: [{ type: 'text', text: 'See' }, { type: 'image', source: png, detail: 'low' }, { type: 'image', source: { kind: 'url', url: 'https://x/cat.jpg' } }] }])).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'See' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          { type: 'image_url', image_url: { url: 'https://x/cat.jpg' } },
        ],
      },
    ])
  })

  test('documents: PDF data as a file part, text as text, file ids as file ids', () => {
    const content = messagesOf([
      {
        role: 'user',
        content: [
          { type: 'document', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' }, title: 'Report' },
          { type: 'document', source: { kind: 'text', text: 'Plain notes' } },
          { type: 'document', source: { kind: 'file', fileId: 'file-1' } },
        ],
      },
    ])[0]?.content
    expect(content).toEqual([
      { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'Report' } },
      { type: 'text', text: 'Plain notes' },
      { type: 'file', file: { file_id: 'file-1' } },
    ])
  })

  test('other documents, and images by file id, are refused naming the block', () => {
    expect(encode([{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'document', source: { kind: 'url', url: 'https://x/a.pdf' } }] }]).result).toEqual({
      error: { param: 'messages.0.content.1', message: 'A URL document cannot be sent to this model; only PDF data and text are' },
    })
    expect(encode([{ role: 'user', content: [{ type: 'image', source: { kind: 'file', fileId: 'file-1' } }] }]).result).toMatchObject({ error: { param: 'messages.0.content.0' } })
  })
})

describe('assistant turns', () => {
  test('text and tool calls make one message; content is null, never "", when there is no text; empty arguments become {}', () => {
    expect(messagesOf([{ role: 'assistant', content: [call('call_1', 'f', '')] }])[0]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
    })
    expect(messagesOf([{ role: 'assistant', content: [{ type: 'text', text: 'A' }, { type: 'text', text: 'B' }] }])).toEqual([{ role: 'assistant', content: 'AB' }])
  })

  test('reasoning is dropped, and a turn of reasoning only disappears', () => {
    const messages = messagesOf([
      { role: 'user', content: [{ type: 'text', text: 'Q' }] },
      { role: 'assistant', content: [{ type: 'reasoning', text: 'hmm', signature: 'sig' }, { type: 'redacted-reasoning', data: 'xyz' }] },
      { role: 'assistant', content: [{ type: 'reasoning', text: 'hmm', signature: 'sig' }, { type: 'text', text: 'A' }] },
    ])
    expect(messages).toEqual([{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }])
  })
})

describe('tool results', () => {
  test('tool messages come first, in call order, then the rest of the turn; is_error becomes an "Error: " prefix', () => {
    const messages = messagesOf([
      { role: 'assistant', content: [call('call_1'), call('call_2')] },
      { role: 'user', content: [result('call_2', 'two', true), result('call_1', 'one'), { type: 'text', text: 'Go on' }] },
    ])
    expect(messages.slice(1)).toEqual([
      { role: 'tool', tool_call_id: 'call_1', content: 'one' },
      { role: 'tool', tool_call_id: 'call_2', content: 'Error: two' },
      { role: 'user', content: 'Go on' },
    ])
  })

  test('edge 16: images in a tool result leave a note in the tool message and follow in one user message after all tool messages', () => {
    const messages = messagesOf([
      { role: 'assistant', content: [call('call_1'), call('call_2')] },
      {
        role: 'user',
        content: [
          { type: 'tool-result', toolCallId: 'call_1', content: [{ type: 'text', text: 'Screenshot:' }, { type: 'image', source: png }], isError: false },
          result('call_2', 'ok'),
          { type: 'text', text: 'What do you see?' },
        ],
      },
    ])
    expect(messages.slice(1)).toEqual([
      { role: 'tool', tool_call_id: 'call_1', content: `Screenshot:\n${relayedImageNote}` },
      { role: 'tool', tool_call_id: 'call_2', content: 'ok' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Images from the result of tool call call_1:' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'text', text: 'What do you see?' },
        ],
      },
    ])
    expect(messages.filter((message) => message.role === 'tool').every((message) => typeof message.content === 'string')).toBe(true)
  })

  test('edge 3: a call left unanswered gets a stub tool message right after its assistant message, with a warning', () => {
    const { result: encoded, warnings } = encode([
      { role: 'user', content: [{ type: 'text', text: 'Q' }] },
      { role: 'assistant', content: [call('call_1'), call('call_2')] },
      { role: 'user', content: [result('call_2', 'two'), { type: 'text', text: 'next' }] },
      { role: 'assistant', content: [call('call_3')] },
    ])
    if ('error' in encoded) throw new Error('unexpected error')
    expect(encoded.messages.map((message) => [message.role, message.role === 'tool' ? message.content : ''])).toEqual([
      ['user', ''],
      ['assistant', ''],
      ['tool', missingResultText],
      ['tool', 'two'],
      ['user', ''],
      ['assistant', ''],
      ['tool', missingResultText],
    ])
    expect(warnings.map((warning) => warning.code)).toEqual(['repaired_conversation', 'repaired_conversation'])
  })

  test('a result answering no call of the turn before is dropped with a warning', () => {
    const { result: encoded, warnings } = encode([{ role: 'user', content: [result('call_9', 'stray'), { type: 'text', text: 'Hi' }] }])
    expect(encoded).toEqual({ messages: [{ role: 'user', content: 'Hi' }] })
    expect(warnings.map((warning) => warning.code)).toEqual(['repaired_conversation'])
  })

  test('edge 2: foreign ids (with ".", ":", "/", "|") map through the one sanitiser on both sides, so pairs still match', () => {
    const foreign = 'functions.get_weather:0|a/b'
    const messages = messagesOf([
      { role: 'assistant', content: [call(foreign)] },
      { role: 'user', content: [result(foreign, 'Sunny')] },
    ])
    const id = sanitizeToolId(foreign)
    expect(id).toMatch(/^[a-zA-Z0-9_-]+$/)
    expect(messages).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: id, content: 'Sunny' },
    ])
  })
})
