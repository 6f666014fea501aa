import { describe, expect, test } from 'bun:test'
import type { CanonicalResponse } from '../../../src/core/canonical.ts'
import { decodeResponse } from '../../../src/dialects/openai-chat/decode-response.ts'
import { encodeResponse, type EncodeResponseOptions } from '../../../src/dialects/openai-chat/encode-response.ts'
import { shortenToolName } from '../../../src/dialects/openai-chat/tool-name.ts'
import { readFixture } from '../../support/fixtures.ts'

const options: EncodeResponseOptions = { id: 'chatcmpl-anvat1', created: 1760000000, model: 'claude-sonnet', toolNames: {} }
const usage = { input: 10, cacheRead: 100, cacheWrite5m: 20, cacheWrite1h: 5, output: 40, reasoning: 30 }

function response(content: CanonicalResponse['content'], unified: CanonicalResponse['finish']['unified'] = 'stop'): CanonicalResponse {
  return { id: 'msg_01', model: 'claude-sonnet-4', content, finish: { unified, raw: null }, stopSequence: null, usage }
}

describe('encodeResponse', () => {
  test('text joined, the client-facing id, created and model; usage per WIRE §4', () => {
    expect(encodeResponse(response([{ type: 'text', text: 'Hello' }, { type: 'text', text: ' world' }]), options)).toEqual({
      id: 'chatcmpl-anvat1',
      object: 'chat.completion',
      created: 1760000000,
      model: 'claude-sonnet',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello world', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 135, completion_tokens: 40, total_tokens: 175, prompt_tokens_details: { cached_tokens: 100 }, completion_tokens_details: { reasoning_tokens: 30 } },
    })
  })

  test('tool calls: content null without text, the original un-shortened names, empty arguments as {}', () => {
    const long = `mcp__browser__${'z'.repeat(70)}`
    const upstream = shortenToolName(long)
    const encoded = encodeResponse(response([{ type: 'tool-call', id: 'toolu_1', name: upstream, arguments: '' }], 'tool-calls'), { ...options, toolNames: { [upstream]: long } })
    expect(encoded.choices[0]?.message).toMatchObject({ content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: long, arguments: '{}' } }] })
    expect(encoded.choices[0]?.finish_reason).toBe('tool_calls')
  })

  test('edge 23: an end-of-turn reason with tool calls is tool_calls', () => {
    const encoded = encodeResponse(response([{ type: 'text', text: 'Calling' }, { type: 'tool-call', id: 'toolu_1', name: 'f', arguments: '{}' }], 'stop'), options)
    expect(encoded.choices[0]?.finish_reason).toBe('tool_calls')
    expect(encoded.choices[0]?.message.content).toBe('Calling')
  })

  test('reasoning is shown as reasoning_content only when enabled', () => {
    const parts: CanonicalResponse['content'] = [{ type: 'reasoning', text: 'Plan', signature: 'sig' }, { type: 'text', text: 'Answer' }]
    expect(encodeResponse(response(parts), options).choices[0]?.message.reasoning_content).toBeUndefined()
    expect(encodeResponse(response(parts), { ...options, reasoningContent: true }).choices[0]?.message.reasoning_content).toBe('Plan')
  })

  test('an empty answer is an empty string, not null', () => {
    expect(encodeResponse(response([]), options).choices[0]?.message.content).toBe('')
  })

  test('edge 24: a refusal is content_filter', () => {
    expect(encodeResponse(response([{ type: 'text', text: 'No.' }], 'content-filter'), options).choices[0]?.finish_reason).toBe('content_filter')
  })
})

describe('round trips', () => {
  for (const name of ['text', 'tool-calls', 'reasoning-usage']) {
    test(`${name}.response.json: decode then encode gives back the same choice and usage`, async () => {
      const recorded = JSON.parse(await readFixture(`upstream/openai-chat/${name}.response.json`))
      const encoded = encodeResponse(decodeResponse(recorded), { ...options, id: recorded.id, created: recorded.created, model: recorded.model })
      expect(encoded.choices).toEqual(recorded.choices)
      expect(encoded.usage).toEqual({
        prompt_tokens: recorded.usage.prompt_tokens,
        completion_tokens: recorded.usage.completion_tokens,
        total_tokens: recorded.usage.total_tokens,
        prompt_tokens_details: { cached_tokens: recorded.usage.prompt_tokens_details.cached_tokens },
        completion_tokens_details: { reasoning_tokens: recorded.usage.completion_tokens_details.reasoning_tokens },
      })
    })
  }

  test('a canonical response survives encode then decode', () => {
    const original = response([{ type: 'text', text: 'Hi' }, { type: 'tool-call', id: 'toolu_1', name: 'f', arguments: '{"a":1}' }], 'tool-calls')
    const again = decodeResponse(encodeResponse(original, options))
    expect(again).toEqual({ ...original, id: 'chatcmpl-anvat1', model: 'claude-sonnet', finish: { unified: 'tool-calls', raw: 'tool_calls' }, usage: { ...usage, cacheWrite5m: 0, cacheWrite1h: 0, input: 35 } })
  })
})
