/**
 * The fast loopback upstream the overhead benchmark measures against: OpenAI Chat Completions
 * (`POST /v1/chat/completions`) and Anthropic Messages (`POST /v1/messages`, also at `/messages` for peers that join
 * paths differently), whole and streamed, in the recorded fixtures' shapes (test/fixtures/upstream/). Every answer is
 * `tokens` text tokens long; streams send one event per token, `tokenDelayMs` apart (0: all in one write). Bodies are
 * built once at start, so the mock itself costs as little as possible per request. Run as its own process:
 *
 *   npx bun bench/overhead/mock-upstream.ts --port 0 [--tokens 64] [--token-delay-ms 0]
 *
 * It prints `listening <url>` once ready.
 */
import { parseArgs } from 'node:util'

export type MockOptions = { tokens: number; tokenDelayMs: number }

const words = ['The', ' tide', ' rolls', ' in', ' on', ' silver', ' sand', ',', ' and', ' the', ' gulls', ' call', '.']
const promptTokens = 24

function tokenTexts(count: number): string[] {
  return Array.from({ length: count }, (_, index) => words[index % words.length]!)
}

const sse = (data: unknown, event?: string) => `${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`

/** OpenAI Chat Completions: the whole body, and the stream's events (role chunk, one per token, finish, usage, DONE). */
function chatAnswers(tokens: string[]) {
  const id = 'chatcmpl-BenchMockAnswer0000000001'
  const created = 1_760_470_817
  const model = 'gpt-bench-mock'
  const usage = { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } }
  const whole = JSON.stringify({
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: tokens.join(''), refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
    usage,
    service_tier: 'default',
    system_fingerprint: null,
  })
  const chunk = (delta: unknown, finishReason: string | null, chunkUsage: unknown = null, choices = true) =>
    sse({ id, object: 'chat.completion.chunk', created, model, service_tier: 'default', system_fingerprint: null, choices: choices ? [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] : [], usage: chunkUsage })
  const head = [chunk({ role: 'assistant', content: '', refusal: null }, null)]
  const body = tokens.map((text) => chunk({ content: text }, null))
  const tail = [chunk({}, 'stop'), chunk(undefined, null, usage, false), 'data: [DONE]\n\n']
  return { whole, head, body, tail }
}

/** Anthropic Messages: the whole body, and the stream's events. */
function messagesAnswers(tokens: string[]) {
  const id = 'msg_01BenchMockAnswer000000001'
  const model = 'claude-bench-mock'
  const whole = JSON.stringify({
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: tokens.join('') }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: promptTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: tokens.length, service_tier: 'standard' },
  })
  const head = [
    sse({ type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: promptTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1, service_tier: 'standard' } } }, 'message_start'),
    sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
    sse({ type: 'ping' }, 'ping'),
  ]
  const body = tokens.map((text) => sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, 'content_block_delta'))
  const tail = [
    sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
    sse({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: tokens.length } }, 'message_delta'),
    sse({ type: 'message_stop' }, 'message_stop'),
  ]
  return { whole, head, body, tail }
}

type Answers = ReturnType<typeof chatAnswers>

const encoder = new TextEncoder()

function streamResponse(answers: Answers, options: MockOptions, headers: Record<string, string>): Response {
  const sseHeaders = { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }
  if (options.tokenDelayMs === 0) return new Response([...answers.head, ...answers.body, ...answers.tail].join(''), { headers: sseHeaders })
  let timer: ReturnType<typeof setTimeout> | undefined
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(answers.head.join('')))
      let next = 0
      const tick = () => {
        if (next < answers.body.length) {
          controller.enqueue(encoder.encode(answers.body[next]!))
          next += 1
          timer = setTimeout(tick, options.tokenDelayMs)
          return
        }
        controller.enqueue(encoder.encode(answers.tail.join('')))
        controller.close()
      }
      timer = setTimeout(tick, options.tokenDelayMs)
    },
    cancel() {
      clearTimeout(timer)
    },
  })
  return new Response(stream, { headers: sseHeaders })
}

/** Starts the mock on a loopback port; `stop` closes it. */
export function startMockUpstream(port: number, options: MockOptions) {
  const tokens = tokenTexts(options.tokens)
  const chat = chatAnswers(tokens)
  const messages = messagesAnswers(tokens)
  const chatHeaders = { 'content-type': 'application/json', 'x-request-id': 'req_bench_mock' }
  const messagesHeaders = { 'content-type': 'application/json', 'request-id': 'req_bench_mock' }
  const answer = async (request: Request, answers: Answers, headers: Record<string, string>) => {
    const body = (await request.json()) as { stream?: boolean }
    return body.stream === true ? streamResponse(answers, options, headers) : new Response(answers.whole, { headers })
  }
  return Bun.serve({
    hostname: '127.0.0.1',
    port,
    idleTimeout: 0,
    routes: {
      '/v1/chat/completions': { POST: (request) => answer(request, chat, chatHeaders) },
      '/chat/completions': { POST: (request) => answer(request, chat, chatHeaders) },
      '/v1/messages': { POST: (request) => answer(request, messages, messagesHeaders) },
      '/messages': { POST: (request) => answer(request, messages, messagesHeaders) },
    },
    fetch: () => new Response(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }), { status: 404, headers: { 'content-type': 'application/json' } }),
  })
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, tokens: { type: 'string', default: '64' }, 'token-delay-ms': { type: 'string', default: '0' } } })
  const server = startMockUpstream(Number(values.port), { tokens: Number(values.tokens), tokenDelayMs: Number(values['token-delay-ms']) })
  console.log(`listening http://127.0.0.1:${server.port}`)
  process.on('SIGTERM', () => {
    void server.stop(true)
    process.exit(0)
  })
}
