/**
 * Reasoning from a Chat upstream reaches Anthropic clients as a thinking block the gateway signs (`anvat-v1:`), and
 * such a block sent back later never reaches an Anthropic upstream (WIRE.md §2.3, edges 9 and 31).
 */
import { expect, test } from 'bun:test'
import { packGatewaySignature, unpackGatewaySignature } from '../../src/dialects/anthropic/gateway-signature.ts'
import { chatChunk, chatStreamBody, usageChunk } from '../support/builders/openai-chat-stream.ts'
import { jsonReply, sseReply } from '../support/fake-upstream.ts'
import { useRouteGateway } from '../support/gateway.ts'
import { splitCostTrailer } from '../support/sdk-traffic.ts'

const routeGateway = useRouteGateway()

test('a gateway signature round-trips its payload, and any other signature is not ours', () => {
  const signature = packGatewaySignature({ kind: 'openai-chat-reasoning', id: 'rs_1' })
  expect(signature).toMatch(/^anvat-v1:[A-Za-z0-9_-]+$/)
  expect(unpackGatewaySignature(signature)).toEqual({ kind: 'openai-chat-reasoning', id: 'rs_1' })
  expect(unpackGatewaySignature('EqQBCkYIBxgCKkB')).toBeUndefined()
  expect(unpackGatewaySignature('anvat-v1:not base64 json')).toBeUndefined()
})

test('reasoning_content streamed by a Chat upstream becomes a signed thinking block, first', async () => {
  const body = chatStreamBody([
    chatChunk({ role: 'assistant', content: '' }),
    chatChunk({ reasoning_content: 'Let me think. ' }),
    chatChunk({ reasoning_content: 'Two plus two is four.' }),
    chatChunk({ content: 'It is 4.' }),
    chatChunk({}, 'stop'),
    usageChunk({ prompt_tokens: 10, completion_tokens: 20, total_tokens: 30, completion_tokens_details: { reasoning_tokens: 12 } }),
  ])
  routeGateway.upstream.enqueue(sseReply(body))
  const response = await routeGateway.gateway.handle('/v1/messages', {
    method: 'POST',
    body: JSON.stringify({ model: 'gpt-5-mini', max_tokens: 256, stream: true, messages: [{ role: 'user', content: '2+2?' }] }),
  })
  const { relayed } = splitCostTrailer(await response.text())
  const events = relayed
    .split('\n\n')
    .filter((event) => event.startsWith('event: '))
    .map((event) => JSON.parse(event.slice(event.indexOf('data: ') + 6)) as { type: string; content_block?: { type: string }; delta?: { type: string; signature?: string } })
  const starts = events.filter((event) => event.type === 'content_block_start').map((event) => event.content_block?.type)
  expect(starts).toEqual(['thinking', 'text'])
  const signature = events.find((event) => event.delta?.type === 'signature_delta')?.delta?.signature
  expect(unpackGatewaySignature(signature ?? '')).toEqual({ kind: 'openai-chat-reasoning' })
})

test('a thinking block signed by the gateway is dropped before an Anthropic upstream; a real signature is kept', async () => {
  routeGateway.upstream.enqueue(jsonReply(await Bun.file('test/fixtures/upstream/anthropic/text.response.json').text()))
  const ours = packGatewaySignature({ kind: 'openai-chat-reasoning' })
  const response = await routeGateway.gateway.handle('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }] }),
  })
  expect(response.status).toBe(200)
  // The Chat dialect cannot carry thinking back; an Anthropic client switching models can. Send one to Claude.
  routeGateway.upstream.enqueue(jsonReply(await Bun.file('test/fixtures/upstream/anthropic/text.response.json').text()))
  const replay = await routeGateway.gateway.handle('/v1/messages', {
    method: 'POST',
    body: JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 256,
      messages: [
        { role: 'user', content: '2+2?' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Two plus two.', signature: ours }, { type: 'text', text: 'It is 4.' }] },
        { role: 'user', content: 'And 3+3?' },
      ],
    }),
  })
  expect(replay.status).toBe(200)
  // A client that switched from a GPT model to Claude mid-conversation: the block the gateway signed is dropped, the
  // rest of the turn kept.
  const sent = JSON.parse(routeGateway.upstream.received.at(-1)!.bodyText)
  expect(routeGateway.upstream.received.at(-1)!.bodyText).not.toContain('anvat-v1:')
  expect(sent.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'It is 4.' }] })
})

test('a real Anthropic signature passes through byte for byte', async () => {
  routeGateway.upstream.enqueue(jsonReply(await Bun.file('test/fixtures/upstream/anthropic/text.response.json').text()))
  const body = JSON.stringify({
    model: 'claude-sonnet-4-6',
    max_tokens: 256,
    messages: [
      { role: 'user', content: '2+2?' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Two plus two.', signature: 'EqQBCkYIBxgCKkBrealsignature==' }, { type: 'text', text: '4' }] },
      { role: 'user', content: 'And 3+3?' },
    ],
  })
  expect((await routeGateway.gateway.handle('/v1/messages', { method: 'POST', body })).status).toBe(200)
  expect(routeGateway.upstream.received.at(-1)!.bodyText).toBe(body)
})
