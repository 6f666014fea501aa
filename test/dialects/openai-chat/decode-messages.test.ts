import { describe, expect, test } from 'bun:test'
import type { Warning } from '../../../src/core/canonical.ts'
import { decodeMessages } from '../../../src/dialects/openai-chat/decode-messages.ts'

function decode(messages: unknown[]) {
  const warnings: Warning[] = []
  const result = decodeMessages(messages, warnings)
  return { result, warnings }
}

function turns(messages: unknown[]) {
  const { result } = decode(messages)
  if ('error' in result) throw new Error(`expected turns, got ${JSON.stringify(result.error)}`)
  return result
}

const pdfData = 'JVBERi0xLjQK'

describe('system and developer messages', () => {
  test('all are hoisted into system in order, mid-conversation ones too', () => {
    const result = turns([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'developer', content: [{ type: 'text', text: 'Use French.' }, { type: 'text', text: 'No emoji.' }] },
      { role: 'user', content: 'Again' },
    ])
    expect(result.system).toEqual([{ text: 'Be brief.' }, { text: 'Use French.' }, { text: 'No emoji.' }])
    expect(result.messages.map((message) => message.role)).toEqual(['user', 'user'])
  })

  test('prompt_cache_breakpoint marks a cache boundary, as cache_control does', () => {
    const result = turns([
      { role: 'system', content: [{ type: 'text', text: 'Long rules', prompt_cache_breakpoint: { mode: 'explicit' } }] },
      { role: 'user', content: [{ type: 'text', text: 'Doc', prompt_cache_breakpoint: { mode: 'explicit' } }] },
    ])
    expect(result.system).toEqual([{ text: 'Long rules', cacheControl: { type: 'ephemeral' } }])
    expect(result.messages[0]?.content).toEqual([{ type: 'text', text: 'Doc', cacheControl: { type: 'ephemeral' } }])
  })

  test('a non-text system part names itself', () => {
    const { result } = decode([{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }])
    expect(result).toEqual({ error: { param: 'messages.[0].content.[0]', message: 'System and developer messages take text parts only' } })
  })
})

describe('user parts', () => {
  test('text, data-URL image (base64 with its media type), https image, PDF file, file id', () => {
    const result = turns([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          { type: 'file', file: { file_data: `data:application/pdf;base64,${pdfData}`, filename: 'report.pdf' } },
          { type: 'file', file: { file_id: 'file-abc' } },
        ],
      },
    ])
    expect(result.messages[0]?.content).toEqual([
      { type: 'text', text: 'Look' },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'high' },
      { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' } },
      { type: 'document', source: { kind: 'base64', mediaType: 'application/pdf', data: pdfData }, filename: 'report.pdf' },
      { type: 'document', source: { kind: 'file', fileId: 'file-abc' } },
    ])
  })

  test('input_audio is refused, naming the part', () => {
    const { result } = decode([{ role: 'user', content: 'Hi' }, { role: 'user', content: [{ type: 'text', text: 'Listen' }, { type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } }] }])
    expect(result).toEqual({ error: { param: 'messages.[1].content.[1]', message: 'input_audio parts cannot be translated for this model' } })
  })

  test('a data URL that is not a base64 image, and an unknown part type, are refused', () => {
    expect(decode([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:text/plain;base64,SGk=' } }] }]).result).toMatchObject({ error: { param: 'messages.[0].content.[0]' } })
    expect(decode([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png,raw' } }] }]).result).toMatchObject({ error: { param: 'messages.[0].content.[0]' } })
    expect(decode([{ role: 'user', content: [{ type: 'video', video: {} }] }]).result).toMatchObject({ error: { message: 'Unsupported content part type: video' } })
  })

  test('empty text is no content', () => {
    expect(turns([{ role: 'user', content: '' }, { role: 'user', content: 'Hi' }]).messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }])
  })
})

describe('assistant turns and tool results', () => {
  const call = (id: string, name: string, args: string) => ({ id, type: 'function', function: { name, arguments: args } })

  test('content and tool_calls become text then tool-call parts, arguments kept as text', () => {
    const result = turns([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: 'Checking.', tool_calls: [call('call_1', 'get_weather', '{"city":"Paris"}'), call('call_2', 'get_weather', '')] },
    ])
    expect(result.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'tool-call', id: 'call_2', name: 'get_weather', arguments: '' },
      ],
    })
  })

  test('a run of tool messages is one user turn of results in call order, then the next user message', () => {
    const result = turns([
      { role: 'user', content: 'Both?' },
      { role: 'assistant', content: null, tool_calls: [call('call_1', 'a', '{}'), call('call_2', 'b', '{}')] },
      { role: 'tool', tool_call_id: 'call_2', content: 'B' },
      { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: 'A' }] },
      { role: 'user', content: 'Thanks' },
    ])
    expect(result.messages).toHaveLength(3)
    expect(result.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool-result', toolCallId: 'call_1', content: [{ type: 'text', text: 'A' }], isError: false },
        { type: 'tool-result', toolCallId: 'call_2', content: [{ type: 'text', text: 'B' }], isError: false },
        { type: 'text', text: 'Thanks' },
      ],
    })
  })

  test('results at the end of the conversation still make a user turn; an empty result has no content', () => {
    const result = turns([
      { role: 'user', content: 'Go' },
      { role: 'assistant', tool_calls: [call('call_1', 'a', '{}')] },
      { role: 'tool', tool_call_id: 'call_1', content: '' },
    ])
    expect(result.messages[2]).toEqual({ role: 'user', content: [{ type: 'tool-result', toolCallId: 'call_1', content: [], isError: false }] })
  })

  test('legacy function_call and function messages pair up by a stable id', () => {
    const result = turns([
      { role: 'user', content: 'Look it up' },
      { role: 'assistant', content: null, function_call: { name: 'lookup', arguments: '{"q":"x"}' } },
      { role: 'function', name: 'lookup', content: 'found' },
    ])
    expect(result.messages[1]?.content).toEqual([{ type: 'tool-call', id: 'call_function_1', name: 'lookup', arguments: '{"q":"x"}' }])
    expect(result.messages[2]?.content).toEqual([{ type: 'tool-result', toolCallId: 'call_function_1', content: [{ type: 'text', text: 'found' }], isError: false }])
  })

  test('a replayed refusal is text; arguments sent as an object are serialised; custom calls are wrapped', () => {
    const result = turns([
      { role: 'user', content: 'x' },
      { role: 'assistant', content: null, refusal: 'I cannot.' },
      { role: 'user', content: 'y' },
      { role: 'assistant', content: [{ type: 'refusal', refusal: 'Still no.' }], tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: { a: 1 } } }, { id: 'call_2', type: 'custom', custom: { name: 'shell', input: 'ls' } }] },
    ])
    expect(result.messages[1]?.content).toEqual([{ type: 'text', text: 'I cannot.' }])
    expect(result.messages[3]?.content).toEqual([
      { type: 'text', text: 'Still no.' },
      { type: 'tool-call', id: 'call_1', name: 'f', arguments: '{"a":1}' },
      { type: 'tool-call', id: 'call_2', name: 'shell', arguments: '{"input":"ls"}' },
    ])
  })

  test('an unknown role is refused, naming it', () => {
    expect(decode([{ role: 'critic', content: 'x' }]).result).toEqual({ error: { param: 'messages.[0].role', message: 'Unsupported message role: critic' } })
  })
})
