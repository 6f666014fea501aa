/**
 * What bench/fault-upstream.ts answers with: Anthropic Messages, OpenAI Chat Completions and OpenAI Responses bodies,
 * whole and streamed, in the shapes of the recorded fixtures (test/fixtures/upstream/) with fresh ids, text and usage
 * drawn from the caller's seeded PRNG; and each API's error body for the faults that are HTTP errors.
 */
import type { Usage } from '../src/core/usage.ts'

export type UpstreamEndpoint = 'anthropic' | 'openai-chat' | 'openai-responses'

/** What an answer is built from: where it was asked, the model asked for (echoed), and the usage it reports. */
export type AnswerInput = { endpoint: UpstreamEndpoint; model: string; usage: Usage }

/** The whole JSON body, and the SSE events of the same answer streamed; `usageEvent` indexes the one with the final usage (-1: none). */
export type Answer = { whole: string; events: string[]; usageEvent: number }

/** Text deltas are drawn from these; the multibyte ones test UTF-8 across chunk boundaries on the way through. */
const words = ['The', 'tide', 'rolls', 'in', 'on', 'silver', 'sand,', 'and', 'the', 'gulls', 'café', 'naïve', '日本語', 'wind', 'carries', 'salt', 'over', 'dunes.', '—', 'Hello!']

/** The header each API names its request id in. */
export function requestIdHeader(endpoint: UpstreamEndpoint): string {
  return endpoint === 'anthropic' ? 'request-id' : 'x-request-id'
}

/** Token counts in the ranges Claude Code and Codex sessions show: some cache reads, fewer cache writes. */
export function randomUsage(random: () => number, endpoint: UpstreamEndpoint): Usage {
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1))
  const sometimes = (share: number, low: number, high: number) => (random() < share ? between(low, high) : 0)
  const input = between(1, 4_000)
  const cacheRead = sometimes(0.4, 1_000, 40_000)
  const anthropic = endpoint === 'anthropic'
  const cacheWrite5m = anthropic ? sometimes(0.2, 100, 5_000) : 0
  const cacheWrite1h = anthropic ? sometimes(0.1, 100, 5_000) : 0
  const output = between(1, 800)
  const reasoning = anthropic ? 0 : Math.floor(output * random() * 0.8)
  return { input, cacheRead, cacheWrite5m, cacheWrite1h, output, reasoning }
}

/** The answer in the endpoint's own shape, with 3 to 12 text deltas. */
export function buildAnswer(random: () => number, attempt: AnswerInput, body: Record<string, unknown>): Answer {
  const deltas = Array.from({ length: 3 + Math.floor(random() * 10) }, (_, index) => {
    const count = 1 + Math.floor(random() * 3)
    return `${index === 0 ? '' : ' '}${Array.from({ length: count }, () => words[Math.floor(random() * words.length)]).join(' ')}`
  })
  if (attempt.endpoint === 'anthropic') return anthropicAnswer(random, attempt, deltas)
  if (attempt.endpoint === 'openai-chat') return chatAnswer(random, attempt, deltas, (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true)
  return responsesAnswer(random, attempt, deltas)
}

const sse = (event: string | undefined, data: unknown) => `${event === undefined ? '' : `event: ${event}\n`}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`

/** @see test/fixtures/upstream/anthropic/text.stream.sse and text.response.json */
function anthropicAnswer(random: () => number, attempt: AnswerInput, deltas: string[]): Answer {
  const { usage } = attempt
  const id = `msg_01${randomBase62(random, 22)}`
  const cacheFields = {
    input_tokens: usage.input,
    cache_creation_input_tokens: usage.cacheWrite5m + usage.cacheWrite1h,
    cache_read_input_tokens: usage.cacheRead,
  }
  const fullUsage = (outputTokens: number) => ({
    ...cacheFields,
    cache_creation: { ephemeral_5m_input_tokens: usage.cacheWrite5m, ephemeral_1h_input_tokens: usage.cacheWrite1h },
    output_tokens: outputTokens,
    service_tier: 'standard',
    inference_geo: 'not_available',
  })
  const message = { model: attempt.model, id, type: 'message', role: 'assistant' }
  const whole = JSON.stringify({
    ...message,
    content: [{ type: 'text', text: deltas.join('') }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: fullUsage(usage.output),
  })
  const events = [
    sse('message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: fullUsage(1) } }),
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    sse('ping', { type: 'ping' }),
    ...deltas.map((text) => sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { ...cacheFields, output_tokens: usage.output } }),
    sse('message_stop', { type: 'message_stop' }),
  ]
  return { whole, events, usageEvent: events.length - 2 }
}

/** @see test/fixtures/upstream/openai-chat/text.stream.sse and text.response.json */
function chatAnswer(random: () => number, attempt: AnswerInput, deltas: string[], includeUsage: boolean): Answer {
  const { usage } = attempt
  const base = { id: `chatcmpl-${randomBase62(random, 29)}`, created: 1_760_470_817, model: `${attempt.model}-2025-08-07`, service_tier: 'default', system_fingerprint: null }
  const wireUsage = {
    prompt_tokens: usage.input + usage.cacheRead,
    completion_tokens: usage.output,
    total_tokens: usage.input + usage.cacheRead + usage.output,
    prompt_tokens_details: { cached_tokens: usage.cacheRead, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: usage.reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  }
  const whole = JSON.stringify({
    ...base,
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: deltas.join(''), refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
    usage: wireUsage,
  })
  const chunk = (delta: Record<string, unknown>, finishReason: string | null) =>
    sse(undefined, { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], usage: null, obfuscation: randomBase62(random, 6) })
  const events = [
    chunk({ role: 'assistant', content: '', refusal: null }, null),
    ...deltas.map((content) => chunk({ content }, null)),
    chunk({}, 'stop'),
    ...(includeUsage ? [sse(undefined, { ...base, object: 'chat.completion.chunk', choices: [], usage: wireUsage, obfuscation: randomBase62(random, 2) })] : []),
    sse(undefined, '[DONE]'),
  ]
  return { whole, events, usageEvent: includeUsage ? events.length - 2 : -1 }
}

/** @see test/fixtures/upstream/openai-responses/text.stream.sse and text.response.json */
function responsesAnswer(random: () => number, attempt: AnswerInput, deltas: string[]): Answer {
  const { usage } = attempt
  const hex = () => Array.from({ length: 48 }, () => Math.floor(random() * 16).toString(16)).join('')
  const id = `resp_${hex()}`
  const reasoningItem = { id: `rs_${hex()}`, type: 'reasoning', summary: [] }
  const messageId = `msg_${hex()}`
  const text = deltas.join('')
  const part = { type: 'output_text', annotations: [], logprobs: [], text }
  const messageItem = { id: messageId, type: 'message', status: 'completed', content: [part], role: 'assistant' }
  const response = (status: string, output: unknown[], wireUsage: unknown) => ({
    id,
    object: 'response',
    created_at: 1_760_471_302,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: `${attempt.model}-2025-08-07`,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: 'medium', summary: null },
    store: true,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    usage: wireUsage,
    metadata: {},
  })
  const wireUsage = {
    input_tokens: usage.input + usage.cacheRead,
    input_tokens_details: { cached_tokens: usage.cacheRead },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: usage.reasoning },
    total_tokens: usage.input + usage.cacheRead + usage.output,
  }
  const whole = JSON.stringify(response('completed', [reasoningItem, messageItem], wireUsage))
  let sequence = 0
  const event = (type: string, fields: Record<string, unknown>) => sse(type, { type, ...fields, sequence_number: sequence++ })
  const textAt = { item_id: messageId, output_index: 1, content_index: 0 }
  const events = [
    event('response.created', { response: response('in_progress', [], null) }),
    event('response.in_progress', { response: response('in_progress', [], null) }),
    event('response.output_item.added', { item: reasoningItem, output_index: 0 }),
    event('response.output_item.done', { item: reasoningItem, output_index: 0 }),
    event('response.output_item.added', { item: { ...messageItem, status: 'in_progress', content: [] }, output_index: 1 }),
    event('response.content_part.added', { ...textAt, part: { ...part, text: '' } }),
    ...deltas.map((delta) => event('response.output_text.delta', { ...textAt, delta, logprobs: [] })),
    event('response.output_text.done', { ...textAt, text, logprobs: [] }),
    event('response.content_part.done', { ...textAt, part }),
    event('response.output_item.done', { item: messageItem, output_index: 1 }),
    event('response.completed', { response: response('completed', [reasoningItem, messageItem], wireUsage) }),
  ]
  return { whole, events, usageEvent: events.length - 1 }
}

/** The error each API sends for the fault, with its status and (for 429) `retry-after: 1`. */
export function errorResponse(endpoint: UpstreamEndpoint, fault: 'server-error' | 'overloaded' | 'rate-limited', random: () => number): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json', [requestIdHeader(endpoint)]: `req_${randomBase62(random, 24)}` }
  if (fault === 'rate-limited') headers['retry-after'] = '1'
  if (endpoint === 'anthropic') {
    const [status, type, message] =
      fault === 'server-error'
        ? [500, 'api_error', 'Internal server error']
        : fault === 'overloaded'
          ? [529, 'overloaded_error', 'Overloaded']
          : [429, 'rate_limit_error', 'This request would exceed the rate limit for your organization of 50 requests per minute.']
    return new Response(JSON.stringify({ type: 'error', error: { type, message }, request_id: headers['request-id'] }), { status, headers })
  }
  // OpenAI has no 529: an overloaded engine answers 503.
  const [status, type, code, message] =
    fault === 'server-error'
      ? [500, 'server_error', null, 'The server had an error while processing your request. Sorry about that!']
      : fault === 'overloaded'
        ? [503, 'server_error', null, 'The engine is currently overloaded, please try again later.']
        : [429, 'requests', 'rate_limit_exceeded', 'Rate limit reached for gpt-5-mini on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 1s.']
  return new Response(JSON.stringify({ error: { message, type, param: null, code } }), { status, headers })
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** An id suffix in the style of the vendors' own. */
export function randomBase62(random: () => number, length: number): string {
  return Array.from({ length }, () => base62[Math.floor(random() * 62)]).join('')
}
