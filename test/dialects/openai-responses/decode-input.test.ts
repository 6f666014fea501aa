import { describe, expect, test } from 'bun:test'
import type { CanonicalMessage, CanonicalRequest, Warning } from '../../../src/core/canonical.ts'
import { decodeInput } from '../../../src/dialects/openai-responses/decode-input.ts'
import { noFileStoreMessage } from '../../../src/dialects/openai-responses/decode-content.ts'
import { packReasoningContent } from '../../../src/dialects/openai-responses/reasoning-content.ts'

type Decoded = { system: CanonicalRequest['system']; messages: CanonicalMessage[]; warnings: Warning[] }

/** Decodes input and expects it to translate. */
function decoded(input: unknown): Decoded {
  const warnings: Warning[] = []
  const result = decodeInput(input, warnings)
  if ('error' in result) throw new Error(`expected input to decode, got ${JSON.stringify(result.error)}`)
  return { ...result, warnings }
}

function failure(input: unknown): { param: string; message: string } {
  const result = decodeInput(input, [])
  if (!('error' in result)) throw new Error(`expected a failure, got ${JSON.stringify(result)}`)
  return result.error
}

const user = (text: string) => ({ role: 'user', content: text })
const call = (callId: string, name = 'shell', args = '{"command":["ls"]}') => ({ type: 'function_call', call_id: callId, name, arguments: args })
const output = (callId: string, value: unknown = 'ok') => ({ type: 'function_call_output', call_id: callId, output: value })
const signature = 'EswECkYICxgCKkB/G9N6M8GT7KUY1G+gFF94qmN6Y+p0wTVKyyhZVDnT34Rj3t8tI/oJMJHjzRhWv67j4sUZ='
const packedThinking = packReasoningContent({ type: 'reasoning', text: 'List the files first.', signature }) as string

describe('messages', () => {
  test('a string is one user message; a blank string is no message', () => {
    expect(decoded('Hi').messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }])
    expect(decoded('  \n').messages).toEqual([])
    expect(decoded(undefined)).toEqual({ system: [], messages: [], warnings: [] })
  })

  test('system and developer items, short or typed, become system blocks in order wherever they stand', () => {
    const result = decoded([
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Be careful.' }] },
      user('one'),
      { role: 'system', content: 'Answer in French.' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'two' }] },
    ])
    expect(result.system).toEqual([{ text: 'Be careful.' }, { text: 'Answer in French.' }])
    expect(result.messages.map((message) => message.content)).toEqual([[{ type: 'text', text: 'one' }], [{ type: 'text', text: 'two' }]])
  })

  test('edge 1: blank text parts are dropped, and a message left empty makes no message', () => {
    const result = decoded([
      { role: 'user', content: [{ type: 'input_text', text: ' ' }, { type: 'input_text', text: 'real' }, { type: 'input_text', text: '' }] },
      { role: 'assistant', content: [{ type: 'output_text', text: '\n\n', annotations: [] }] },
      { role: 'developer', content: [{ type: 'input_text', text: '   ' }] },
    ])
    expect(result.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'real' }] }])
    expect(result.system).toEqual([])
  })

  test('replayed assistant output_text and refusal parts are assistant text', () => {
    const result = decoded([
      user('q'),
      { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Sure.', annotations: [] }, { type: 'refusal', refusal: 'But not that.' }] },
    ])
    expect(result.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Sure.' }, { type: 'text', text: 'But not that.' }] })
  })

  test('an unknown role or content that is not a string or a list is refused, naming it', () => {
    expect(failure([{ role: 'tool', content: 'x' }])).toEqual({
      param: 'input[0].role',
      message: "Invalid value: 'tool'. Supported values are: 'user', 'assistant', 'system', and 'developer'.",
    })
    expect(failure([user('a'), { role: 'user', content: 7 }]).param).toBe('input[1].content')
    expect(failure([{ role: 'developer', content: [{ type: 'input_image', image_url: 'https://x.test/a.png' }] }]).param).toBe('input[0].content[0]')
    expect(failure([{ role: 'user', content: [{ type: 'input_audio' }] }]).param).toBe('input[0].content[0].type')
    expect(failure(42).param).toBe('input')
  })
})

describe('images and files', () => {
  test('a data URL image becomes base64 with its media type; an http URL stays a URL; detail is kept', () => {
    const result = decoded([
      {
        role: 'user',
        content: [
          { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' },
          { type: 'input_image', image_url: 'https://example.test/cat.jpg', detail: 'auto' },
        ],
      },
    ])
    expect(result.messages[0]?.content).toEqual([
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'high' },
      { type: 'image', source: { kind: 'url', url: 'https://example.test/cat.jpg' }, detail: 'auto' },
    ])
  })

  test('an image by file_id, a non-image data URL or another scheme is refused at its path', () => {
    const image = (part: Record<string, unknown>) => [user('a'), user('b'), user('c'), { role: 'user', content: [{ type: 'input_image', detail: 'auto', ...part }] }]
    expect(failure(image({ file_id: 'file-abc' }))).toEqual({ param: 'input[3].content[0].file_id', message: noFileStoreMessage })
    expect(failure(image({ image_url: 'data:text/plain;base64,aGk=' })).param).toBe('input[3].content[0].image_url')
    expect(failure(image({ image_url: 'ftp://example.test/a.png' })).param).toBe('input[3].content[0].image_url')
  })

  test('file_data (a data URL, or bare base64 of a named PDF) and file_url become documents', () => {
    const result = decoded([
      {
        role: 'user',
        content: [
          { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'a.pdf' },
          { type: 'input_file', file_data: 'JVBERi0y', filename: 'B.PDF' },
          { type: 'input_file', file_url: 'https://example.test/c.pdf' },
        ],
      },
    ])
    expect(result.messages[0]?.content).toEqual([
      { type: 'document', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0x' }, filename: 'a.pdf' },
      { type: 'document', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0y' }, filename: 'B.PDF' },
      { type: 'document', source: { kind: 'url', url: 'https://example.test/c.pdf' } },
    ])
  })

  test('a file by file_id, or bare base64 that does not say it is a PDF, is refused at its path', () => {
    const file = (part: Record<string, unknown>) => [{ role: 'user', content: [{ type: 'input_text', text: 'read' }, { type: 'input_file', ...part }] }]
    expect(failure(file({ file_id: 'file-abc' }))).toEqual({ param: 'input[0].content[1].file_id', message: noFileStoreMessage })
    expect(failure(file({ file_data: 'aGVsbG8=', filename: 'notes.txt' })).param).toBe('input[0].content[1].file_data')
    expect(failure(file({})).param).toBe('input[0].content[1]')
  })
})

describe('tool calls and outputs', () => {
  test('a two-turn loop: text and call merge into one assistant turn; the follow-up joins the results turn after them', () => {
    const result = decoded([
      user('List the files'),
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Looking.' }] },
      { ...call('call_1'), id: 'fc_1', status: 'completed' },
      output('call_1', 'a.txt\nb.txt'),
      user('Now count them'),
    ])
    expect(result.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'List the files' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Looking.' }, { type: 'tool-call', id: 'call_1', name: 'shell', arguments: '{"command":["ls"]}' }] },
      {
        role: 'user',
        content: [
          { type: 'tool-result', toolCallId: 'call_1', content: [{ type: 'text', text: 'a.txt\nb.txt' }], isError: false },
          { type: 'text', text: 'Now count them' },
        ],
      },
    ])
  })

  test('edge 4: parallel calls make one assistant turn and their outputs one user turn, results before other content', () => {
    const result = decoded([user('go'), call('call_a'), call('call_b'), output('call_a'), user('interjection'), output('call_b', '')])
    expect(result.messages).toHaveLength(3)
    expect(result.messages[1]?.content.map((part) => part.type)).toEqual(['tool-call', 'tool-call'])
    expect(result.messages[2]?.content).toEqual([
      { type: 'tool-result', toolCallId: 'call_a', content: [{ type: 'text', text: 'ok' }], isError: false },
      { type: 'tool-result', toolCallId: 'call_b', content: [], isError: false },
      { type: 'text', text: 'interjection' },
    ])
  })

  test('two user messages in a row stay two turns when no results are involved', () => {
    expect(decoded([user('a'), user('b')]).messages).toHaveLength(2)
  })

  test('edge 21: empty arguments become {}; call ids keep every character for the encoder to map', () => {
    const result = decoded([user('go'), call('call|1.x:2', 'shell', ''), output('call|1.x:2')])
    expect(result.messages[1]?.content[0]).toEqual({ type: 'tool-call', id: 'call|1.x:2', name: 'shell', arguments: '{}' })
    expect(result.messages[2]?.content[0]).toMatchObject({ toolCallId: 'call|1.x:2' })
  })

  test('a list output keeps text and images in the result; files follow the results in the same turn', () => {
    const result = decoded([
      user('look'),
      call('call_1', 'view_image'),
      output('call_1', [
        { type: 'input_text', text: 'Here:' },
        { type: 'input_image', image_url: 'data:image/jpeg;base64,/9j/4AAQ', detail: 'low' },
        { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'r.pdf' },
      ]),
    ])
    expect(result.messages[2]?.content).toEqual([
      {
        type: 'tool-result',
        toolCallId: 'call_1',
        content: [{ type: 'text', text: 'Here:' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/4AAQ' } }],
        isError: false,
      },
      { type: 'document', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0x' }, filename: 'r.pdf' },
    ])
    expect(failure([user('x'), call('c'), output('c', [{ type: 'input_image', file_id: 'file-1' }])]).param).toBe('input[2].output[0].file_id')
  })

  test('custom tool calls carry their input as {"input": …}; their outputs are results', () => {
    const patch = '*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch'
    const result = decoded([
      user('add a file'),
      { type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: patch },
      { type: 'custom_tool_call_output', call_id: 'call_p', output: 'Done!' },
    ])
    expect(result.messages[1]?.content).toEqual([{ type: 'tool-call', id: 'call_p', name: 'apply_patch', arguments: JSON.stringify({ input: patch }) }])
    expect(result.messages[2]?.content).toEqual([{ type: 'tool-result', toolCallId: 'call_p', content: [{ type: 'text', text: 'Done!' }], isError: false }])
  })

  test('edge 3: a call never answered is refused, whether more items follow or it ends the input', () => {
    const expected = { param: 'input', message: 'No tool output found for function call call_1.' }
    expect(failure([user('go'), call('call_1'), user('still there?')])).toEqual(expected)
    expect(failure([user('go'), call('call_1')])).toEqual(expected)
    expect(failure([user('go'), call('call_0'), call('call_1'), output('call_0')])).toEqual(expected)
    expect(failure([user('go'), { type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: '' }])).toEqual({
      param: 'input',
      message: 'No tool output found for custom tool call call_p.',
    })
  })

  test('an output answering no earlier call is refused', () => {
    expect(failure([user('go'), output('call_9')])).toEqual({ param: 'input', message: 'No tool call found for function call output with call_id call_9.' })
    expect(failure([user('go'), output('call_1'), call('call_1')]).message).toBe('No tool call found for function call output with call_id call_1.')
    expect(failure([user('go'), { type: 'custom_tool_call_output', call_id: 'call_9', output: 'x' }]).message).toBe(
      'No tool call found for custom tool call output with call_id call_9.',
    )
  })

  test('a call or output without call_id, or a call without name, is refused naming the field', () => {
    expect(failure([user('go'), { type: 'function_call', name: 'shell', arguments: '{}' }])).toEqual({ param: 'input[1].call_id', message: "Missing required parameter: 'input[1].call_id'." })
    expect(failure([user('go'), { type: 'function_call', call_id: 'c', arguments: '{}' }]).param).toBe('input[1].name')
    expect(failure([user('go'), call('c'), { type: 'function_call_output', output: 'x' }]).param).toBe('input[2].call_id')
  })
})

describe('reasoning', () => {
  test('gateway-packed thinking is restored first in the assistant turn that follows it, signature byte for byte', () => {
    const result = decoded([
      user('List the files'),
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'List the files first.' }], encrypted_content: packedThinking },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Looking.' }] },
      call('call_1'),
      output('call_1'),
    ])
    expect(result.messages[1]?.content).toEqual([
      { type: 'reasoning', text: 'List the files first.', signature },
      { type: 'text', text: 'Looking.' },
      { type: 'tool-call', id: 'call_1', name: 'shell', arguments: '{"command":["ls"]}' },
    ])
    expect(result.warnings).toEqual([])
  })

  test('redacted thinking is restored as redacted reasoning', () => {
    const packed = packReasoningContent({ type: 'redacted-reasoning', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' }) as string
    const result = decoded([user('q'), { type: 'reasoning', summary: [], encrypted_content: packed }, call('c'), output('c')])
    expect(result.messages[1]?.content[0]).toEqual({ type: 'redacted-reasoning', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' })
  })

  test('edge 31: thinking packed while the assistant turn was already open stays in its place', () => {
    const result = decoded([user('q'), call('a'), { type: 'reasoning', summary: [], encrypted_content: packedThinking }, call('b'), output('a'), output('b')])
    expect(result.messages[1]?.content.map((part) => part.type)).toEqual(['tool-call', 'reasoning', 'tool-call'])
  })

  test("foreign or absent encrypted content is dropped, with one dropped_reasoning warning however many items", () => {
    const result = decoded([
      user('q'),
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'thinking' }], encrypted_content: 'gAAAAABo-openai-blob' },
      { type: 'reasoning', id: 'rs_2', summary: [{ type: 'summary_text', text: 'more' }] },
      { type: 'reasoning', summary: [], encrypted_content: 'anvat-v1:not-base64-json' },
      { role: 'assistant', content: 'A.' },
    ])
    expect(result.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'A.' }] })
    expect(result.warnings.map((warning) => warning.code)).toEqual(['dropped_reasoning'])
  })

  test('restored thinking with no assistant content after it is dropped with the warning', () => {
    const beforeUser = decoded([user('q'), { type: 'reasoning', summary: [], encrypted_content: packedThinking }, user('again')])
    expect(JSON.stringify(beforeUser.messages)).not.toContain(signature)
    expect(beforeUser.warnings.map((warning) => warning.code)).toEqual(['dropped_reasoning'])
    const atEnd = decoded([user('q'), { type: 'reasoning', summary: [], encrypted_content: packedThinking }])
    expect([atEnd.messages.length, atEnd.warnings.length]).toEqual([1, 1])
  })
})

describe('items that cannot be carried', () => {
  test('an item_reference left unexpanded was not found', () => {
    expect(failure([user('q'), { type: 'item_reference', id: 'msg_abc' }])).toEqual({ param: 'input[1].id', message: "Item with id 'msg_abc' not found." })
    expect(failure([{ id: 'rs_123' }])).toEqual({ param: 'input[0].id', message: "Item with id 'rs_123' not found." })
  })

  test('built-in tool items are refused, naming the type and the index', () => {
    for (const type of ['web_search_call', 'mcp_call', 'local_shell_call', 'computer_call', 'file_search_call']) {
      const error = failure([user('q'), { type, id: 'x_1', status: 'completed' }])
      expect(error.param).toBe('input[1].type')
      expect(error.message).toContain(`'${type}'`)
      expect(error.message).toContain('input[1]')
    }
  })

  test('an item with neither type, role nor id is refused', () => {
    expect(failure([{ content: 'x' }]).param).toBe('input[0].type')
  })
})
