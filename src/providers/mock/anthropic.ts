import { randomBase62 } from '../../core/ids.ts'
import { contentText, deltas, echoReply, eventStream, jsonHeaders, sseHeaders } from './echo.ts'

type MessagesBody = {
  model: string
  max_tokens?: number
  stream?: boolean
  system?: unknown
  messages: Array<{ role: string; content: unknown }>
}

/** `anvat-echo` answering Anthropic Messages and count_tokens, in the API's exact shapes. */
export function mockAnthropic(operation: 'messages' | 'count-tokens', body: MessagesBody): Response {
  const lastUser = [...body.messages].reverse().find((message) => message.role === 'user')
  const promptText = contentText(body.system) + body.messages.map((message) => contentText(message.content)).join('\n')
  const reply = echoReply(contentText(lastUser?.content), promptText, body.messages.length, body.max_tokens)
  if (operation === 'count-tokens') return Response.json({ input_tokens: reply.inputTokens })

  const id = `msg_01${randomBase62(22)}`
  const stopReason = reply.truncated ? 'max_tokens' : 'end_turn'
  const usage = { input_tokens: reply.inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
  if (body.stream !== true) {
    const message = {
      id,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: reply.pieces.length === 0 ? [] : [{ type: 'text', text: reply.pieces.join('') }],
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { ...usage, output_tokens: reply.outputTokens, service_tier: 'standard' },
    }
    return new Response(JSON.stringify(message), { headers: jsonHeaders })
  }
  const event = (name: string, data: object) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`
  const events = [
    event('message_start', {
      message: { id, type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1, service_tier: 'standard' } },
    }),
    event('ping', {}),
  ]
  if (reply.pieces.length > 0) {
    events.push(event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }))
    for (const text of deltas(reply.pieces)) {
      events.push(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }))
    }
    events.push(event('content_block_stop', { index: 0 }))
  }
  events.push(
    event('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { ...usage, output_tokens: reply.outputTokens } }),
    event('message_stop', {}),
  )
  return new Response(eventStream(events), { headers: sseHeaders })
}
