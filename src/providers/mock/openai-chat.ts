import { randomBase62 } from '../../core/ids.ts'
import { contentText, deltas, echoReply, eventStream, jsonHeaders, sseHeaders } from './echo.ts'

type ChatBody = {
  model: string
  max_tokens?: number | null
  max_completion_tokens?: number | null
  stream?: boolean | null
  stream_options?: { include_usage?: boolean } | null
  messages: Array<{ role: string; content?: unknown }>
}

/** `anvat-echo` answering Chat Completions, streamed or not, with usage as OpenAI reports it. */
export function mockOpenAIChat(body: ChatBody, nowSeconds: number): Response {
  const lastUser = [...body.messages].reverse().find((message) => message.role === 'user' || message.role === 'tool')
  const promptText = body.messages.map((message) => contentText(message.content)).join('\n')
  const outputTokensMax = body.max_completion_tokens ?? body.max_tokens ?? undefined
  const reply = echoReply(contentText(lastUser?.content), promptText, body.messages.length, outputTokensMax)
  const id = `chatcmpl-${randomBase62(29)}`
  const finishReason = reply.truncated ? 'length' : 'stop'
  const usage = {
    prompt_tokens: reply.inputTokens,
    completion_tokens: reply.outputTokens,
    total_tokens: reply.inputTokens + reply.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  }
  const base = { id, created: nowSeconds, model: body.model, system_fingerprint: 'fp_anvat_echo' }
  if (body.stream !== true) {
    const completion = {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: reply.pieces.join(''), refusal: null, annotations: [] }, logprobs: null, finish_reason: finishReason }],
      usage,
      service_tier: 'default',
    }
    return new Response(JSON.stringify(completion), { headers: jsonHeaders })
  }
  const includeUsage = body.stream_options?.include_usage === true
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', service_tier: 'default', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) })}\n\n`
  const events = [chunk({ role: 'assistant', content: '', refusal: null }, null)]
  for (const content of deltas(reply.pieces)) events.push(chunk({ content }, null))
  events.push(chunk({}, finishReason))
  if (includeUsage) {
    events.push(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', service_tier: 'default', choices: [], usage })}\n\n`)
  }
  events.push('data: [DONE]\n\n')
  return new Response(eventStream(events), { headers: sseHeaders })
}
