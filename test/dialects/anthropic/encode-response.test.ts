import { describe, expect, test } from 'bun:test'
import type { CanonicalResponse } from '../../../src/core/canonical.ts'
import { zeroUsage } from '../../../src/core/usage.ts'
import { decodeResponse } from '../../../src/dialects/anthropic/decode-response.ts'
import { encodeResponse } from '../../../src/dialects/anthropic/encode-response.ts'
import { readFixture } from '../../support/fixtures.ts'

const options = { id: 'msg_anvat01', model: 'claude-client-alias' }
const response = (fields: Partial<CanonicalResponse>): CanonicalResponse => ({
  id: 'chatcmpl-1',
  model: 'gpt-upstream',
  content: [],
  finish: { unified: 'stop', raw: 'stop' },
  stopSequence: null,
  usage: zeroUsage,
  ...fields,
})

describe('encodeResponse ∘ decodeResponse', () => {
  for (const name of ['text', 'thinking', 'tool-use']) {
    test(`${name}: the recorded response comes back with the client's id and model`, async () => {
      const body = JSON.parse(await readFixture(`upstream/anthropic/${name}.response.json`)) as Record<string, unknown>
      const { service_tier, inference_geo, ...usage } = body.usage as Record<string, unknown>
      expect(encodeResponse(decodeResponse(body).response, options)).toEqual({ ...body, ...options, usage } as never)
    })
  }
})

describe('encodeResponse', () => {
  test('content is ordered thinking → text → tool_use, whatever order it came in (WIRE.md §2.4, edge 24)', () => {
    const message = encodeResponse(
      response({
        content: [
          { type: 'tool-call', id: 'call_1', name: 'f', arguments: '{"a":1}' },
          { type: 'text', text: 'Done.' },
          { type: 'reasoning', text: 'Plan.', signature: 'anvat-v1:e30' },
        ],
      }),
      options,
    )
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Plan.', signature: 'anvat-v1:e30' },
      { type: 'text', text: 'Done.' },
      { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } },
    ])
    expect(message.stop_reason).toBe('tool_use')
  })

  test('edge 23: tool_use whenever a tool call was emitted, even after a stop', () => {
    const message = encodeResponse(response({ content: [{ type: 'tool-call', id: 'call_1', name: 'f', arguments: '{}' }] }), options)
    expect(message.stop_reason).toBe('tool_use')
  })

  test('edges 2 and 21: tool ids on the pattern, arguments always an object; an empty id gets one', () => {
    const message = encodeResponse(
      response({
        content: [
          { type: 'tool-call', id: 'functions.f:0', name: 'f', arguments: '' },
          { type: 'tool-call', id: '', name: 'g', arguments: '{"x": [1' },
        ],
      }),
      options,
    )
    const [first, second] = message.content as Array<{ id: string; input: unknown }>
    expect(first?.id).toMatch(/^[a-zA-Z0-9_-]+$/)
    expect(first?.input).toEqual({})
    expect(second?.id).toBe('toolu_msg_anvat01_1')
    expect(second?.input).toEqual({ x: [1] })
  })

  test('usage is rendered with all input fields and the cache split (WIRE.md §4)', () => {
    const usage = { input: 10, cacheRead: 50, cacheWrite5m: 100, cacheWrite1h: 200, output: 40, reasoning: 30 }
    expect(encodeResponse(response({ usage }), options).usage).toEqual({
      input_tokens: 10,
      cache_creation_input_tokens: 300,
      cache_read_input_tokens: 50,
      cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
      output_tokens: 40,
      output_tokens_details: { thinking_tokens: 30 },
    })
  })

  test('refusal and length map across; blank text is left out; stop_sequence only with its reason', () => {
    const refused = encodeResponse(response({ content: [{ type: 'text', text: ' ' }], finish: { unified: 'content-filter', raw: 'content_filter' } }), options)
    expect(refused).toMatchObject({ content: [], stop_reason: 'refusal', stop_sequence: null })
    const cut = encodeResponse(response({ finish: { unified: 'length', raw: 'length' }, stopSequence: 'END' }), options)
    expect(cut).toMatchObject({ stop_reason: 'max_tokens', stop_sequence: null })
    const matched = encodeResponse(response({ stopSequence: 'END' }), options)
    expect(matched).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END' })
  })
})
