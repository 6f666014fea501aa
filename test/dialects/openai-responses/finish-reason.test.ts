import { expect, test } from 'bun:test'
import type { FinishReason } from '../../../src/core/canonical.ts'
import { encodeFinishReason, finishReasonTable } from '../../../src/dialects/openai-responses/finish-reason.ts'

test.each([
  ['stop', 'completed', null],
  ['tool-calls', 'completed', null],
  ['pause', 'completed', null],
  ['other', 'completed', null],
  ['length', 'incomplete', { reason: 'max_output_tokens' }],
  ['content-filter', 'incomplete', { reason: 'content_filter' }],
  ['error', 'failed', null],
] as const)('WIRE §2.5 / edge 24: %s → status %s, incomplete_details %o', (unified, status, details) => {
  expect(encodeFinishReason({ unified, raw: 'whatever' })).toEqual({ status, incomplete_details: details })
})

test('every unified reason has a row', () => {
  const unified: Array<FinishReason['unified']> = ['stop', 'length', 'tool-calls', 'content-filter', 'pause', 'error', 'other']
  expect(Object.keys(finishReasonTable).sort()).toEqual([...unified].sort())
})

test('the result is a copy: changing one response object cannot change the next', () => {
  const first = encodeFinishReason({ unified: 'length', raw: 'max_tokens' })
  if (first.incomplete_details !== null) first.incomplete_details.reason = 'content_filter'
  expect(encodeFinishReason({ unified: 'length', raw: 'max_tokens' }).incomplete_details).toEqual({ reason: 'max_output_tokens' })
})
