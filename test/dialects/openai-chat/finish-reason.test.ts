import { describe, expect, test } from 'bun:test'
import type { FinishReason } from '../../../src/core/canonical.ts'
import { decodeFinishReason, encodeFinishReason, finishReasonTable } from '../../../src/dialects/openai-chat/finish-reason.ts'

const noTools = { sawToolCall: false }

describe('edge 24: every finish reason is mapped, none slips', () => {
  test.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool-calls'],
    ['content_filter', 'content-filter'],
    ['function_call', 'tool-calls'],
  ] as const)('decode %s → %s, the raw word kept', (raw, unified) => {
    expect(decodeFinishReason(raw)).toEqual({ unified, raw })
  })

  test('unknown and missing words decode to other', () => {
    expect(decodeFinishReason('eos')).toEqual({ unified: 'other', raw: 'eos' })
    expect(decodeFinishReason(null)).toEqual({ unified: 'other', raw: null })
  })

  test.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['content-filter', 'content_filter'],
    ['pause', 'stop'],
    ['error', 'stop'],
    ['other', 'stop'],
  ] as const)('encode %s → %s', (unified, wire) => {
    expect(encodeFinishReason({ unified, raw: null }, noTools)).toBe(wire)
  })

  test('content-filter is never stop_sequence-like: a refusal stays content_filter', () => {
    expect(encodeFinishReason({ unified: 'content-filter', raw: 'refusal' }, noTools)).toBe('content_filter')
  })
})

describe('edge 23: tool calls are the truth, not the reason', () => {
  test('an ordinary end with tool calls is tool_calls', () => {
    for (const unified of ['stop', 'tool-calls', 'pause', 'other'] as const) expect(encodeFinishReason({ unified, raw: null }, { sawToolCall: true })).toBe('tool_calls')
  })

  test('a truncated or filtered answer keeps its reason even with tool calls', () => {
    expect(encodeFinishReason({ unified: 'length', raw: 'max_tokens' }, { sawToolCall: true })).toBe('length')
    expect(encodeFinishReason({ unified: 'content-filter', raw: null }, { sawToolCall: true })).toBe('content_filter')
  })

  test('tool-calls without any call cannot claim tool_calls', () => {
    expect(encodeFinishReason({ unified: 'tool-calls', raw: 'tool_use' }, noTools)).toBe('stop')
  })
})

test('every unified reason has a row or a stated fallback, and decode∘encode keeps the Chat words', () => {
  const unifiedReasons: Array<FinishReason['unified']> = ['stop', 'length', 'tool-calls', 'content-filter', 'pause', 'error', 'other']
  for (const unified of unifiedReasons) expect(typeof encodeFinishReason({ unified, raw: null }, { sawToolCall: unified === 'tool-calls' })).toBe('string')
  for (const [wire] of finishReasonTable) {
    if (wire === 'function_call') continue
    expect(encodeFinishReason(decodeFinishReason(wire), { sawToolCall: wire === 'tool_calls' })).toBe(wire)
  }
})
