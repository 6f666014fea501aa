import { describe, expect, test } from 'bun:test'
import { decodeResponse } from '../../../src/dialects/anthropic/decode-response.ts'
import { readFixture } from '../../support/fixtures.ts'

const fixture = async (name: string) => JSON.parse(await readFixture(`upstream/anthropic/${name}.response.json`)) as Record<string, unknown>

describe('decodeResponse', () => {
  test('text: content, finish with the raw stop_reason, usage with the cache split (WIRE.md §4)', async () => {
    const { response, warnings } = decodeResponse(await fixture('text'))
    expect(response).toEqual({
      id: 'msg_01pMxit7yM6Zjh7fKQUSimtW',
      model: 'claude-sonnet-4-6',
      content: [{ type: 'text', text: "Hello! I'm doing well, thanks for asking. How can I help you today?" }],
      finish: { unified: 'stop', raw: 'end_turn' },
      stopSequence: null,
      usage: { input: 14, cacheRead: 0, cacheWrite5m: 2077, cacheWrite1h: 0, output: 19, reasoning: 0 },
    })
    expect(warnings).toEqual([])
  })

  test('thinking: the signature is kept byte for byte (edge 9), the 1-hour cache write too', async () => {
    const body = await fixture('thinking')
    const { response } = decodeResponse(body)
    const block = (body.content as Array<{ signature?: string }>)[0]
    expect(response.content[0]).toEqual({ type: 'reasoning', text: expect.stringContaining('1073 = 29 × 37'), signature: block?.signature })
    expect(response.usage).toMatchObject({ cacheWrite1h: 3120, cacheWrite5m: 0 })
  })

  test('tool use: the input becomes JSON arguments and the finish is tool-calls', async () => {
    const { response } = decodeResponse(await fixture('tool-use'))
    expect(response.content[1]).toEqual({
      type: 'tool-call',
      id: 'toolu_01i2syzNeU2u6Ls5p5xWTafu',
      name: 'get_weather',
      arguments: '{"location":"San Francisco, CA","unit":"fahrenheit"}',
    })
    expect(response.finish).toEqual({ unified: 'tool-calls', raw: 'tool_use' })
  })

  test('redacted thinking is carried; server-tool blocks and citations are dropped with warnings', () => {
    const { response, warnings } = decodeResponse({
      id: 'msg_1',
      model: 'claude-test',
      content: [
        { type: 'redacted_thinking', data: 'EmwKAhgB' },
        { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
        { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
        { type: 'text', text: 'Found it.', citations: [{ type: 'web_search_result_location', url: 'https://example.com' }] },
      ],
      stop_reason: 'stop_sequence',
      stop_sequence: '###',
      usage: { input_tokens: 1, output_tokens: 2 },
    })
    expect(response.content).toEqual([
      { type: 'redacted-reasoning', data: 'EmwKAhgB' },
      { type: 'text', text: 'Found it.' },
    ])
    expect(response.stopSequence).toBe('###')
    expect(warnings.map((warning) => warning.code)).toEqual(['unsupported_content', 'unsupported_content', 'dropped_field'])
  })
})
