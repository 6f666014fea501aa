import { describe, expect, test } from 'bun:test'
import { decodeResponse } from '../../../src/dialects/openai-chat/decode-response.ts'
import { readFixture } from '../../support/fixtures.ts'

const completion = (message: Record<string, unknown>, finishReason: string | null = 'stop') => ({
  id: 'chatcmpl-abc',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finishReason }],
  usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 },
})

describe('recorded responses', () => {
  test('text', async () => {
    const response = decodeResponse(JSON.parse(await readFixture('upstream/openai-chat/text.response.json')))
    expect(response).toEqual({
      id: 'chatcmpl-CXozSxjSFxuwB6Bmdvyzazoronzio',
      model: 'gpt-5-mini-2025-08-07',
      content: [{ type: 'text', text: 'Hello! How can I help you today?' }],
      finish: { unified: 'stop', raw: 'stop' },
      stopSequence: null,
      usage: { input: 12, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 78, reasoning: 64 },
    })
  })

  test('tool calls, content null', async () => {
    const response = decodeResponse(JSON.parse(await readFixture('upstream/openai-chat/tool-calls.response.json')))
    expect(response.content).toEqual([
      { type: 'tool-call', id: 'call_VJqBKlajQOEBE62Gp9mPDw1Z', name: 'get_weather', arguments: '{"location":"Paris, France"}' },
      { type: 'tool-call', id: 'call_H6slVuB9UnmrcYeQoHyGXSNV', name: 'get_weather', arguments: '{"location":"Tokyo, Japan"}' },
    ])
    expect(response.finish).toEqual({ unified: 'tool-calls', raw: 'tool_calls' })
  })

  test('edge 8: cached tokens leave the input, once', async () => {
    const response = decodeResponse(JSON.parse(await readFixture('upstream/openai-chat/reasoning-usage.response.json')))
    expect(response.usage).toEqual({ input: 492, cacheRead: 1920, cacheWrite5m: 0, cacheWrite1h: 0, output: 1186, reasoning: 1024 })
  })
})

describe('content order and reasons', () => {
  test('reasoning, then text, then tool calls, whatever order the message had', () => {
    const response = decodeResponse(
      completion({ tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }], content: 'Calling.', reasoning_content: 'Plan' }, 'tool_calls'),
    )
    expect(response.content.map((part) => part.type)).toEqual(['reasoning', 'text', 'tool-call'])
  })

  test('reasoning from reasoning, or from reasoning_details', () => {
    expect(decodeResponse(completion({ content: 'x', reasoning: 'R1' })).content[0]).toEqual({ type: 'reasoning', text: 'R1' })
    expect(decodeResponse(completion({ content: 'x', reasoning_details: [{ type: 'reasoning.text', text: 'R2' }] })).content[0]).toEqual({ type: 'reasoning', text: 'R2' })
  })

  test('edge 23: tool calls finish as tool-calls even when finish_reason says stop', () => {
    const response = decodeResponse(completion({ content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, 'stop'))
    expect(response.finish).toEqual({ unified: 'tool-calls', raw: 'stop' })
  })

  test('edge 24: a refusal string is text, finishing as content-filter', () => {
    const response = decodeResponse(completion({ content: null, refusal: "I can't help with that." }))
    expect(response.content).toEqual([{ type: 'text', text: "I can't help with that." }])
    expect(response.finish).toEqual({ unified: 'content-filter', raw: 'stop' })
  })

  test('only choices[0] counts; calls without ids get stable ones; a legacy function_call is a call', () => {
    const body = completion({ content: null, function_call: { name: 'lookup', arguments: '{"q":1}' } }, 'function_call')
    const choices: unknown[] = body.choices
    choices.push({ index: 1, message: { role: 'assistant', content: 'other choice' }, finish_reason: 'stop' })
    const response = decodeResponse(body)
    expect(response.content).toEqual([{ type: 'tool-call', id: 'call_abc_0', name: 'lookup', arguments: '{"q":1}' }])
  })

  test('a body without choices decodes to no content rather than crashing (Azure filtered prompt)', () => {
    expect(decodeResponse({ id: 'x', choices: [], usage: null })).toMatchObject({ content: [], finish: { unified: 'other', raw: null } })
  })
})
