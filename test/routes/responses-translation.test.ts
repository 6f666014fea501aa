/**
 * /v1/responses on a Claude model, at the route: what the hold covers, what is refused before anything goes upstream,
 * and the state kept for `previous_response_id` and `item_reference` (WIRE.md §3.1).
 */
import { describe, expect, test } from 'bun:test'
import { holdMicros, requestIdOf } from '../support/billing.ts'
import { jsonReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { useRouteGateway } from '../support/gateway.ts'

const setup = useRouteGateway()

function post(body: Record<string, unknown>): Promise<Response> {
  return setup.gateway.handle('/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

async function answered(body: Record<string, unknown>, fixture = 'upstream/anthropic/thinking.response.json') {
  setup.upstream.enqueue(jsonReply(await readFixture(fixture)))
  const response = await post(body)
  expect(response.status).toBe(200)
  return { response, answer: (await response.json()) as { id: string; output: Array<Record<string, unknown>> } }
}

describe('refused before the upstream', () => {
  test.each([
    ['no input at all', {}],
    ['only an empty text', { input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: '  ' }] }] }],
  ])('%s: a 400 about input', async (_label, extra) => {
    const response = await post({ model: 'claude-sonnet-4-6', ...extra })
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe('input')
    expect(setup.upstream.received).toHaveLength(0)
  })
})

describe('the hold', () => {
  test('covers the output limit Claude receives, raised by a thinking budget above the caller’s own', async () => {
    const { response } = await answered({ model: 'claude-sonnet-4-6', input: 'Is 1073 prime?', reasoning: { effort: 'high' }, max_output_tokens: 10 })
    const sent = JSON.parse(setup.upstream.received[0]!.bodyText)
    expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 })
    expect(sent.max_tokens).toBe(4106)
    // 4,106 output tokens at 15 µ$ are inside the hold, whatever the input estimate.
    expect(await holdMicros(setup.gateway, requestIdOf(response))).toBeGreaterThan(4106 * 15)
  })
})

describe('stored state', () => {
  test('store:false keeps nothing: its id cannot be continued', async () => {
    const { answer } = await answered({ model: 'claude-sonnet-4-6', input: 'Is 1073 prime?', store: false })
    const response = await post({ model: 'claude-sonnet-4-6', previous_response_id: answer.id, input: 'And 1075?' })
    expect(response.status).toBe(404)
    expect(setup.upstream.received).toHaveLength(1)
  })

  test('an item_reference to a stored reasoning item restores Claude’s thinking; an item already in the chain is a duplicate', async () => {
    const { answer } = await answered({ model: 'claude-sonnet-4-6', input: 'Is 1073 prime?' })
    const reasoning = answer.output.find((item) => item.type === 'reasoning')!
    const message = answer.output.find((item) => item.type === 'message')!
    // Without include, the client never saw the encrypted content: the store has it.
    expect(reasoning.encrypted_content ?? null).toBeNull()
    await answered(
      {
        model: 'claude-sonnet-4-6',
        input: [{ role: 'user', content: 'Is 1073 prime?' }, { type: 'item_reference', id: reasoning.id }, message, { role: 'user', content: 'And 1075?' }],
      },
      'upstream/anthropic/text.response.json',
    )
    const sent = JSON.parse(setup.upstream.received[1]!.bodyText)
    const original = JSON.parse(await readFixture('upstream/anthropic/thinking.response.json')).content[0]
    expect(sent.messages[1].content[0]).toEqual(original)

    const duplicate = await post({ model: 'claude-sonnet-4-6', previous_response_id: answer.id, input: [message, { role: 'user', content: 'Again?' }] })
    expect(duplicate.status).toBe(400)
    expect(((await duplicate.json()) as { error: { message: string } }).error.message).toContain('Duplicate item')
  })
})
