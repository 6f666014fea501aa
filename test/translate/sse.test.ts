import { describe, expect, test } from 'bun:test'
import { completeEventsLength, createSseDecoder, encodeSseComment, encodeSseFrames } from '../../src/translate/sse.ts'

const encoder = new TextEncoder()

function decodeAll(chunks: Array<string | Uint8Array>) {
  const decoder = createSseDecoder()
  const frames = chunks.flatMap((chunk) => decoder.push(typeof chunk === 'string' ? encoder.encode(chunk) : chunk))
  return [...frames, ...decoder.end()]
}

describe('createSseDecoder', () => {
  test('reads event and data fields and dispatches on a blank line', () => {
    expect(decodeAll(['event: ping\ndata: {"type":"ping"}\n\n'])).toEqual([{ event: 'ping', data: '{"type":"ping"}', id: undefined }])
  })

  test('data-only events have no event name, as in Chat Completions', () => {
    expect(decodeAll(['data: {"a":1}\n\ndata: [DONE]\n\n']).map((frame) => [frame.event, frame.data])).toEqual([
      [undefined, '{"a":1}'],
      [undefined, '[DONE]'],
    ])
  })

  test('joins multi-line data with newlines and skips comments', () => {
    expect(decodeAll([': keepalive\n\ndata: one\ndata: two\n: note\n\n'])).toEqual([{ event: undefined, data: 'one\ntwo', id: undefined }])
  })

  test('accepts CRLF and bare CR line ends, even when CRLF is split across chunks', () => {
    const frames = decodeAll(['event: a\r', '\ndata: 1\r\n\r', '\nevent: b\rdata: 2\r\r'])
    expect(frames.map((frame) => [frame.event, frame.data])).toEqual([
      ['a', '1'],
      ['b', '2'],
    ])
  })

  test('reassembles a multibyte character split across chunks', () => {
    const bytes = encoder.encode('data: {"text":"héllo 🌍"}\n\n')
    const splitAt = bytes.indexOf(0xf0) + 2 // inside the four-byte emoji
    const frames = decodeAll([bytes.slice(0, splitAt), bytes.slice(splitAt)])
    expect(frames).toEqual([{ event: undefined, data: '{"text":"héllo 🌍"}', id: undefined }])
  })

  test('gives the same events whatever the chunk size', () => {
    const text = 'event: message_start\ndata: {"x":"ü"}\n\n: c\n\nevent: message_stop\ndata: {}\n\n'
    const whole = decodeAll([text])
    for (const size of [1, 2, 3, 7, 64]) {
      const bytes = encoder.encode(text)
      const chunks: Uint8Array[] = []
      for (let start = 0; start < bytes.length; start += size) chunks.push(bytes.slice(start, start + size))
      expect(decodeAll(chunks)).toEqual(whole)
    }
  })

  test('an unterminated last event is not dispatched', () => {
    expect(decodeAll(['data: complete\n\ndata: partial'])).toEqual([{ event: undefined, data: 'complete', id: undefined }])
  })
})

describe('completeEventsLength', () => {
  const lengthOf = (text: string) => completeEventsLength(encoder.encode(text))

  test('ends after the last blank line', () => {
    expect(lengthOf('data: a\n\ndata: b')).toBe('data: a\n\n'.length)
    expect(lengthOf('data: a\n\n')).toBe('data: a\n\n'.length)
    expect(lengthOf('data: a\r\n\r\ndata: b\r\n')).toBe('data: a\r\n\r\n'.length)
  })

  test('is zero when no event is complete', () => {
    expect(lengthOf('data: a\n')).toBe(0)
    expect(lengthOf('')).toBe(0)
  })
})

test('encodeSseFrames and encodeSseComment write the wire form', () => {
  expect(new TextDecoder().decode(encodeSseFrames([{ event: 'error', data: '{}' }]))).toBe('event: error\ndata: {}\n\n')
  expect(new TextDecoder().decode(encodeSseFrames([{ data: '[DONE]' }]))).toBe('data: [DONE]\n\n')
  expect(new TextDecoder().decode(encodeSseFrames([{ event: 'ping', data: '{"type":"ping"}' }, { data: '[DONE]' }]))).toBe('event: ping\ndata: {"type":"ping"}\n\ndata: [DONE]\n\n')
  expect(encodeSseFrames([])).toHaveLength(0)
  expect(new TextDecoder().decode(encodeSseComment('keepalive'))).toBe(': keepalive\n\n')
})
