import { describe, expect, test } from 'bun:test'
import type { FinishReason } from '../../../src/core/canonical.ts'
import { decodeFinishReason, encodeFinishReason, stopReasonTable } from '../../../src/dialects/anthropic/finish-reason.ts'

const plain = { sawToolCall: false, stopSequence: null }
const reason = (unified: FinishReason['unified'], raw: string | null = null): FinishReason => ({ unified, raw })

describe('Anthropic stop_reason ⇄ finish reason (edge 24)', () => {
  test('every stop_reason decodes with its raw value kept', () => {
    expect(stopReasonTable.map(([wire]) => decodeFinishReason(wire))).toEqual([
      { unified: 'stop', raw: 'end_turn' },
      { unified: 'length', raw: 'max_tokens' },
      { unified: 'tool-calls', raw: 'tool_use' },
      { unified: 'content-filter', raw: 'refusal' },
      { unified: 'pause', raw: 'pause_turn' },
      { unified: 'stop', raw: 'stop_sequence' },
      { unified: 'length', raw: 'model_context_window_exceeded' },
    ])
    expect(decodeFinishReason('something_new')).toEqual({ unified: 'other', raw: 'something_new' })
    expect(decodeFinishReason(null)).toEqual({ unified: 'other', raw: null })
  })

  test('decode ∘ encode gives back every stop_reason', () => {
    for (const [wire] of stopReasonTable) {
      const sawToolCall = wire === 'tool_use'
      const stopSequence = wire === 'stop_sequence' ? 'END' : null
      expect(encodeFinishReason(decodeFinishReason(wire), { sawToolCall, stopSequence })).toBe(wire)
    }
  })

  test('other dialects’ reasons: content filter → refusal, length → max_tokens, pause → pause_turn', () => {
    expect(encodeFinishReason(reason('content-filter', 'content_filter'), plain)).toBe('refusal')
    expect(encodeFinishReason(reason('length', 'length'), plain)).toBe('max_tokens')
    expect(encodeFinishReason(reason('pause'), plain)).toBe('pause_turn')
    expect(encodeFinishReason(reason('stop', 'stop'), plain)).toBe('end_turn')
    expect(encodeFinishReason(reason('stop', 'stop'), { sawToolCall: false, stopSequence: '###' })).toBe('stop_sequence')
    expect(encodeFinishReason(reason('other', 'weird'), plain)).toBe('end_turn')
    expect(encodeFinishReason(reason('error'), plain)).toBe('end_turn')
  })

  test('edge 23: a stop after tool calls is tool_use; tool-calls without any call is not', () => {
    expect(encodeFinishReason(reason('stop', 'stop'), { sawToolCall: true, stopSequence: null })).toBe('tool_use')
    expect(encodeFinishReason(reason('stop', 'end_turn'), { sawToolCall: true, stopSequence: null })).toBe('tool_use')
    expect(encodeFinishReason(reason('tool-calls', 'tool_calls'), plain)).toBe('end_turn')
    // A length or refusal stays what it was: a truncated call must not be run as if it were whole.
    expect(encodeFinishReason(reason('length', 'length'), { sawToolCall: true, stopSequence: null })).toBe('max_tokens')
    expect(encodeFinishReason(reason('content-filter', 'content_filter'), { sawToolCall: true, stopSequence: null })).toBe('refusal')
  })
})
