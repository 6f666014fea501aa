/**
 * Content that crosses dialects: images both ways, tool results with images (which Chat allows only in user
 * messages), and the warnings header naming what could not be carried.
 */
import { expect, test } from 'bun:test'
import { jsonReply } from '../support/fake-upstream.ts'
import { readFixture } from '../support/fixtures.ts'
import { useRouteGateway } from '../support/gateway.ts'

const routeGateway = useRouteGateway()
const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=='

async function sentUpstream(path: string, body: unknown, reply: string): Promise<{ response: Response; sent: Record<string, any> }> {
  routeGateway.upstream.enqueue(jsonReply(reply))
  const response = await routeGateway.gateway.handle(path, { method: 'POST', body: JSON.stringify(body) })
  return { response, sent: JSON.parse(routeGateway.upstream.received.at(-1)!.bodyText) }
}

test('an Anthropic base64 image reaches a Chat upstream as a data URL image part', async () => {
  const { response, sent } = await sentUpstream(
    '/v1/messages',
    {
      model: 'gpt-5-mini',
      max_tokens: 64,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } }, { type: 'text', text: 'What is this?' }] }],
    },
    await readFixture('upstream/openai-chat/text.response.json'),
  )
  expect(response.status).toBe(200)
  expect(sent.messages.at(-1).content).toEqual([
    { type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}` } },
    { type: 'text', text: 'What is this?' },
  ])
})

test('a Chat data-URL image and an https image reach an Anthropic upstream as base64 and url sources', async () => {
  const { response, sent } = await sentUpstream(
    '/v1/chat/completions',
    {
      model: 'claude-sonnet-4-6',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    },
    await readFixture('upstream/anthropic/text.response.json'),
  )
  expect(response.status).toBe(200)
  expect(sent.messages[0].content).toEqual([
    { type: 'text', text: 'Compare' },
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } },
    { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
  ])
})

test('a tool result with an image: the Chat tool message carries text, the image follows in a user message', async () => {
  const { response, sent } = await sentUpstream(
    '/v1/messages',
    {
      model: 'gpt-5-mini',
      max_tokens: 64,
      tools: [{ name: 'screenshot', input_schema: { type: 'object', properties: {} } }],
      messages: [
        { role: 'user', content: 'Take a screenshot' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'screenshot', input: {} }] },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: [{ type: 'text', text: 'done' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } }] }],
        },
      ],
    },
    await readFixture('upstream/openai-chat/text.response.json'),
  )
  expect(response.status).toBe(200)
  const roles = sent.messages.map((message: { role: string }) => message.role)
  expect(roles).toEqual(['user', 'assistant', 'tool', 'user'])
  const toolMessage = sent.messages[2]
  expect(toolMessage.tool_call_id).toBe('toolu_01')
  expect(JSON.stringify(toolMessage.content)).not.toContain('image_url')
  expect(JSON.stringify(sent.messages[3].content)).toContain(`data:image/png;base64,${pixel}`)
})

test('fields the other dialect lacks are named in x-anvat-warnings', async () => {
  const { response } = await sentUpstream(
    '/v1/chat/completions',
    { model: 'claude-sonnet-4-6', seed: 7, logit_bias: { '50256': -100 }, messages: [{ role: 'user', content: 'Hi' }] },
    await readFixture('upstream/anthropic/text.response.json'),
  )
  expect(response.status).toBe(200)
  const warnings = response.headers.get('x-anvat-warnings') ?? ''
  expect(warnings).toContain('seed')
  expect(warnings).toContain('logit_bias')
})

test('n > 1 cannot be carried to Anthropic: a 400 naming n, nothing sent upstream', async () => {
  const before = routeGateway.upstream.received.length
  const response = await routeGateway.gateway.handle('/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'claude-sonnet-4-6', n: 2, messages: [{ role: 'user', content: 'Hi' }] }),
  })
  expect(response.status).toBe(400)
  expect(((await response.json()) as { error: { param: string } }).error.param).toBe('n')
  expect(routeGateway.upstream.received.length).toBe(before)
})
