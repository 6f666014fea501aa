import { describe, expect, test } from 'bun:test'
import type { CanonicalMessage, ContentPart, Warning } from '../../../src/core/canonical.ts'
import { encodeMessages, leadingUserTurnText, missingToolResultText, toolLoopLacksThinking } from '../../../src/dialects/anthropic/preflight.ts'
import { sanitizeToolId } from '../../../src/core/tool-id.ts'

const text = (value: string): ContentPart => ({ type: 'text', text: value })
const call = (id: string, name = 'f', argumentsText = '{}'): ContentPart => ({ type: 'tool-call', id, name, arguments: argumentsText })
const result = (toolCallId: string, value = 'ok'): ContentPart => ({ type: 'tool-result', toolCallId, content: [{ type: 'text', text: value }], isError: false })
const user = (...content: ContentPart[]): CanonicalMessage => ({ role: 'user', content })
const assistant = (...content: ContentPart[]): CanonicalMessage => ({ role: 'assistant', content })

const encode = (messages: CanonicalMessage[]) => {
  const warnings: Warning[] = []
  return { turns: encodeMessages(messages, warnings), warnings }
}

describe('pre-flight for Anthropic upstreams (WIRE.md §2.2)', () => {
  test('edge 1: empty and whitespace text blocks are dropped, and turns they empty go too', () => {
    const { turns } = encode([user(text(''), text('Hi')), assistant(text('  \n')), user(text('\t')), assistant(text('Hello'))])
    expect(turns).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
    ])
  })

  test('edge 1: empty text inside a tool result is dropped, and an empty result has no content', () => {
    const { turns } = encode([
      user(text('Go')),
      assistant(call('toolu_1')),
      user({ type: 'tool-result', toolCallId: 'toolu_1', content: [{ type: 'text', text: ' ' }], isError: false }),
    ])
    expect(turns[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }] })
  })

  test('edge 2: foreign tool ids are mapped onto the pattern, the same way for tool_use and tool_result', () => {
    const ids = ['functions.get_weather:0', 'call|abc', 'srv/tool:1', 'call.abc', 'call:abc']
    const { turns } = encode([user(text('Go')), assistant(...ids.map((id) => call(id))), user(...ids.map((id) => result(id)))])
    const useIds = turns[1]?.content.map((block) => (block.type === 'tool_use' ? block.id : ''))
    const resultIds = turns[2]?.content.map((block) => (block.type === 'tool_result' ? block.tool_use_id : ''))
    expect(useIds).toEqual(resultIds)
    for (const id of useIds ?? []) expect(id).toMatch(/^[a-zA-Z0-9_-]+$/)
    // `call.abc` and `call:abc` read the same once sanitised; the digest keeps them apart.
    expect(new Set(useIds).size).toBe(ids.length)
    expect(useIds?.[0]).toBe(sanitizeToolId('functions.get_weather:0'))
  })

  test('edge 3: a tool call the client never answered gets an error stub in the next user turn', () => {
    const { turns, warnings } = encode([user(text('Go')), assistant(call('toolu_1'), call('toolu_2')), user(result('toolu_1'), text('and then?'))])
    expect(turns[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'ok' }] },
        { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: missingToolResultText }], is_error: true },
        { type: 'text', text: 'and then?' },
      ],
    })
    expect(warnings.map((warning) => warning.code)).toEqual(['repaired_conversation'])
  })

  test('edge 3: calls in the last turn, or followed by another assistant turn, are answered too', () => {
    const last = encode([user(text('Go')), assistant(call('toolu_1'))]).turns
    expect(last.at(-1)).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', is_error: true }] })
  })

  test('edge 4: tool results come before other content in their user turn', () => {
    const { turns } = encode([user(text('Go')), assistant(call('toolu_1'), call('toolu_2')), user(text('Here:'), result('toolu_1'), text('and'), result('toolu_2'))])
    expect(turns[2]?.content.map((block) => block.type)).toEqual(['tool_result', 'tool_result', 'text', 'text'])
  })

  test('results answering no call, or answering one twice, are dropped', () => {
    const { turns, warnings } = encode([user(result('toolu_ghost'), text('Hi')), assistant(call('toolu_1')), user(result('toolu_1'), result('toolu_1', 'again'))])
    expect(turns[0]).toEqual({ role: 'user', content: [{ type: 'text', text: 'Hi' }] })
    expect(turns[2]?.content).toHaveLength(1)
    expect(warnings).toHaveLength(2)
  })

  test('consecutive same-role turns merge; a conversation starting with the assistant gets a user turn first', () => {
    const { turns, warnings } = encode([assistant(text('Earlier answer')), user(text('a')), user(text('b')), assistant(text('c')), assistant(text('d'))])
    expect(turns).toEqual([
      { role: 'user', content: [{ type: 'text', text: leadingUserTurnText }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Earlier answer' }] },
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }, { type: 'text', text: 'd' }] },
    ])
    expect(warnings.map((warning) => warning.code)).toEqual(['repaired_conversation'])
  })

  test('edge 9: Anthropic signatures go back byte for byte; Anvat and unsigned reasoning are dropped', () => {
    const signature = 'EswECkYICxgCKkB/G9N6+p0wTVKyyhZVDnT34Rj3t8tI/oJMJHjzRhWv67j4sUZCx2EmNbqdY3ojt/aokjfntCDXoSHRplSTlC3GTtIlgOyaNKKGsHyfEAtKMPkWh7USAVmwJX800oazi6JUQW7CjuXmmwWD3igUK3Owr0pyyCs5TA1ZCW9jkAAs8y0lASTa+AQVdxfuFcEPmG3l3bCZ7DVNiWrS58ixl21R1q006ahCpYUD/rSlbeVEN51FGQ9kisvUOz9WegcYkJQLUYHBRqbpRjCR7Bg7TAiq2HaBJbAIIO62h3VRT3NMYlYSEN9Z8TvHxRNjUAWZJnyasqiO/8RiV7FirFD1n128SpsWMSR3OjLuy0sr/k98jZhORESyLKdEj/5idJWk8N37qMVQ936DMoDXPtPECApY7rG/KXjezOUwP9+V9VzgEEPu9Y40nGG9G3v6dX+HpZ3N9GtpBkgugBurO3u5fjDMT9KaLyCmz9ZhLsFV8n6GVAZqcTmEwjEoSr21Jk3EG5agwRjM3aRNlFol/Wz8TbRYyMW5vr4E5Keo+lMS4izRUjtfPS5WexKZYCIz8vGeD1Vy+pc3aisaco5IBCbn/JCcNbSmV1VmsSKPgwZD0YErSvGHsC1EJHAFa7EK0PjuQ9n2bTGxeJai5TSjTk2o59p5OOZBAhu9bx4IiFj6F7XKtPaYV/lcQI+aNyoNR8+X7ZcaDhJOIjdKQhvD5CpJaoNiDa8raIIL6Y='
    const { turns, warnings } = encode([
      user(text('Go')),
      assistant(
        { type: 'reasoning', text: 'Mine.', signature },
        { type: 'reasoning', text: 'From OpenAI.', signature: 'anvat-v1:eyJraW5kIjoib3BlbmFpIn0' },
        { type: 'reasoning', text: 'Unsigned.' },
        text('Done.'),
      ),
    ])
    expect(turns[1]?.content).toEqual([
      { type: 'thinking', thinking: 'Mine.', signature },
      { type: 'text', text: 'Done.' },
    ])
    expect(warnings.map((warning) => warning.code)).toEqual(['dropped_reasoning', 'dropped_reasoning'])
  })

  test('edge 31: signed thinking with empty text is kept, never dropped as empty', () => {
    const { turns } = encode([user(text('Go')), assistant({ type: 'reasoning', text: '', signature: 'EqQBCkYIBxgC' }, { type: 'redacted-reasoning', data: 'EmwKAhgB' }, text('Hi'))])
    expect(turns[1]?.content).toEqual([
      { type: 'thinking', thinking: '', signature: 'EqQBCkYIBxgC' },
      { type: 'redacted_thinking', data: 'EmwKAhgB' },
      { type: 'text', text: 'Hi' },
    ])
  })

  test('edge 21: empty or broken tool arguments become an object, never a string', () => {
    const { turns, warnings } = encode([user(text('Go')), assistant(call('toolu_1', 'f', ''), call('toolu_2', 'g', '{"city": "Par'), call('toolu_3', 'h', 'nonsense'))])
    expect(turns[1]?.content.map((block) => (block.type === 'tool_use' ? block.input : undefined))).toEqual([{}, { city: 'Par' }, {}])
    expect(warnings.filter((warning) => warning.code === 'repaired_tool_arguments')).toHaveLength(2)
  })

  test('media Anthropic does not take in a role is dropped with a warning', () => {
    const image: ContentPart = { type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' } }
    const { turns, warnings } = encode([user(text('Go'), call('toolu_x')), assistant(image, text('ok'))])
    expect(turns.map((turn) => turn.content.length)).toEqual([1, 1])
    expect(warnings.map((warning) => warning.code)).toEqual(['unsupported_content', 'unsupported_content'])
  })

  test('edge 10: a tool loop whose assistant turn lacks its leading thinking is detected', () => {
    const loop = (first: ContentPart) => encode([user(text('Go')), assistant(first, call('toolu_1')), user(result('toolu_1'))]).turns
    expect(toolLoopLacksThinking(loop(text('Calling.')))).toBe(true)
    expect(toolLoopLacksThinking(loop({ type: 'reasoning', text: 'Plan.', signature: 'EqQB' }))).toBe(false)
    expect(toolLoopLacksThinking(encode([user(text('Go')), assistant(text('Hi')), user(text('More'))]).turns)).toBe(false)
  })
})
