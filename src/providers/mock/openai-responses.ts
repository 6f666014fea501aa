import { randomBase62 } from '../../core/ids.ts'
import { contentText, deltas, echoReply, eventStream, jsonHeaders, sseHeaders } from './echo.ts'

type ResponsesBody = {
  model: string
  input?: string | Array<Record<string, unknown>>
  instructions?: string | null
  max_output_tokens?: number | null
  stream?: boolean | null
}

/** `anvat-echo` answering the Responses API, with the full event sequence and `sequence_number`s when streamed. */
export function mockOpenAIResponses(body: ResponsesBody, nowSeconds: number): Response {
  const items = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : (body.input ?? [])
  const lastUser = [...items].reverse().find((item) => item.role === 'user' || item.type === 'function_call_output')
  const lastText = lastUser === undefined ? '' : contentText(lastUser.content ?? lastUser.output)
  const promptText = (body.instructions ?? '') + items.map((item) => contentText(item.content ?? item.output)).join('\n')
  const reply = echoReply(lastText, promptText, items.length, body.max_output_tokens ?? undefined)
  const text = reply.pieces.join('')
  const messageId = `msg_${randomBase62(40)}`
  const usage = {
    input_tokens: reply.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: reply.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: reply.inputTokens + reply.outputTokens,
  }
  const part = (partText: string) => ({ type: 'output_text', annotations: [], logprobs: [], text: partText })
  const message = (status: string, content: object[]) => ({ id: messageId, type: 'message', status, content, role: 'assistant' })
  const response = (status: string, output: object[], finalUsage: object | null) => ({
    id: `resp_${randomBase62(40)}`,
    object: 'response',
    created_at: nowSeconds,
    status,
    background: false,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: finalUsage,
    user: null,
    metadata: {},
  })
  const finalStatus = reply.truncated ? 'incomplete' : 'completed'
  const finalOutput = [message('completed', [part(text)])]
  if (body.stream !== true) {
    return new Response(JSON.stringify(response(finalStatus, finalOutput, usage)), { headers: jsonHeaders })
  }
  const started = response('in_progress', [], null)
  const final = { ...response(finalStatus, finalOutput, usage), id: started.id }
  let sequenceNumber = 0
  const event = (type: string, data: object) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data, sequence_number: sequenceNumber++ })}\n\n`
  const where = { item_id: messageId, output_index: 0, content_index: 0 }
  const events = [
    event('response.created', { response: started }),
    event('response.in_progress', { response: started }),
    event('response.output_item.added', { output_index: 0, item: message('in_progress', []) }),
    event('response.content_part.added', { ...where, part: part('') }),
    ...deltas(reply.pieces).map((delta) => event('response.output_text.delta', { ...where, delta, logprobs: [] })),
    event('response.output_text.done', { ...where, text, logprobs: [] }),
    event('response.content_part.done', { ...where, part: part(text) }),
    event('response.output_item.done', { output_index: 0, item: finalOutput[0] }),
    event(`response.${finalStatus}`, { response: final }),
  ]
  return new Response(eventStream(events), { headers: sseHeaders })
}
