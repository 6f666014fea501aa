/**
 * The soak's callers (bench/soak.ts): the traffic mix, the request each dialect's SDK would send, and how each call
 * ended for its caller, with the cost it was shown (the `x-anvat-cost-usd` header of a whole answer, or the trailing
 * `: x-anvat-cost-usd=` comment of a stream).
 */
import { parseUsdToMicros } from '../src/core/money.ts'
import { seededRandom } from './fault-upstream.ts'

/** Largest answer a caller reads; more is a gateway bug, not traffic. */
const responseBytesMax = 4 * 1024 * 1024

export type TrafficOptions = {
  url: string
  key: string
  /** Picks each call's scenario and prompt, so a seed replays the same traffic. */
  seed: number
  concurrency: number
  /** A caller gives up after this; a stall the gateway never ends shows up as client timeouts. */
  clientTimeoutMs: number
  /** Callers stop when the gateway has died, rather than count connection errors as fast as they can. */
  gatewayRunning: () => boolean
}

export type Dialect = 'anthropic' | 'openai-chat' | 'openai-responses'
export type Scenario = { name: string; dialect: Dialect; model: string; stream: boolean; includeUsage?: boolean }

/** Same-dialect and translated calls, whole and streamed, in equal shares. */
export const scenarios: Scenario[] = [
  { name: 'messages → claude (passthrough)', dialect: 'anthropic', model: 'claude-soak', stream: false },
  { name: 'messages → claude (passthrough), stream', dialect: 'anthropic', model: 'claude-soak', stream: true },
  { name: 'messages → gpt (A→Chat)', dialect: 'anthropic', model: 'gpt-soak', stream: false },
  { name: 'messages → gpt (A→Chat), stream', dialect: 'anthropic', model: 'gpt-soak', stream: true },
  { name: 'chat → gpt (passthrough)', dialect: 'openai-chat', model: 'gpt-soak', stream: false },
  { name: 'chat → gpt (passthrough), stream + include_usage', dialect: 'openai-chat', model: 'gpt-soak', stream: true, includeUsage: true },
  { name: 'chat → gpt (passthrough), stream', dialect: 'openai-chat', model: 'gpt-soak', stream: true },
  { name: 'chat → claude (Chat→A)', dialect: 'openai-chat', model: 'claude-soak', stream: false },
  { name: 'chat → claude (Chat→A), stream', dialect: 'openai-chat', model: 'claude-soak', stream: true },
  { name: 'responses → gpt (passthrough)', dialect: 'openai-responses', model: 'gpt-soak', stream: false },
  { name: 'responses → gpt (passthrough), stream', dialect: 'openai-responses', model: 'gpt-soak', stream: true },
  { name: 'responses → claude (R→A)', dialect: 'openai-responses', model: 'claude-soak-plain', stream: false },
  { name: 'responses → claude (R→A), stream', dialect: 'openai-responses', model: 'claude-soak-plain', stream: true },
]

export const outcomes = ['whole-ok', 'stream-completed', 'stream-failed-in-band', 'stream-truncated', 'malformed', 'status-4xx', 'status-429', 'status-5xx', 'client-timeout', 'connection-error'] as const
export type Outcome = (typeof outcomes)[number]
export type CallRecord = { soakId: string; scenario: Scenario; outcome: Outcome; status: number; requestId: string | null; costMicros: number | undefined; durationMs: number }

/** The request each dialect's SDK would send, tagged with the soak id in `user-agent` for the fake to see. */
function buildRequest(scenario: Scenario, soakId: string, key: string, prompt: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': `anvat-soak/${soakId}` }
  const maxTokens = 1_024
  const messages = [{ role: 'user', content: prompt }]
  if (scenario.dialect === 'anthropic') {
    Object.assign(headers, { 'x-api-key': key, 'anthropic-version': '2023-06-01' })
    return { path: '/v1/messages', headers, body: { model: scenario.model, max_tokens: maxTokens, messages, ...(scenario.stream ? { stream: true } : {}) } }
  }
  headers.authorization = `Bearer ${key}`
  if (scenario.dialect === 'openai-chat') {
    const streamFields = scenario.stream ? { stream: true, ...(scenario.includeUsage ? { stream_options: { include_usage: true } } : {}) } : {}
    return { path: '/v1/chat/completions', headers, body: { model: scenario.model, max_completion_tokens: maxTokens, messages, ...streamFields } }
  }
  return { path: '/v1/responses', headers, body: { model: scenario.model, max_output_tokens: maxTokens, input: prompt, store: false, ...(scenario.stream ? { stream: true } : {}) } }
}

/** How a stream the caller read to its end finished, from its dialect's terminal events. */
function streamEnding(dialect: Dialect, text: string): Outcome {
  const failed =
    dialect === 'anthropic' ? /^event: error$/m : dialect === 'openai-chat' ? /^data: \{"error"/m : /^event: (response\.failed|error)$/m
  const completed = dialect === 'anthropic' ? /^event: message_stop$/m : dialect === 'openai-chat' ? /^data: \[DONE\]$/m : /^event: response\.(completed|incomplete)$/m
  if (failed.test(text)) return 'stream-failed-in-band'
  return completed.test(text) ? 'stream-completed' : 'stream-truncated'
}

async function readBounded(response: Response): Promise<string> {
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return text + decoder.decode()
    text += decoder.decode(value, { stream: true })
    if (text.length > responseBytesMax) throw new Error(`response over ${responseBytesMax} bytes`)
  }
}

async function callGateway(options: TrafficOptions, soakId: string, scenario: Scenario): Promise<CallRecord> {
  const { url, key } = options
  const random = seededRandom(`${options.seed}:prompt:${soakId}`)
  const prompt = `Soak request ${soakId}: ${'write a line about the sea. '.repeat(1 + Math.floor(random() * 40))}`
  const request = buildRequest(scenario, soakId, key, prompt)
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), options.clientTimeoutMs)
  const startedMs = performance.now()
  const record: CallRecord = { soakId, scenario, outcome: 'connection-error', status: 0, requestId: null, costMicros: undefined, durationMs: 0 }
  try {
    const response = await fetch(`${url}${request.path}`, { method: 'POST', headers: request.headers, body: JSON.stringify(request.body), signal: abort.signal })
    record.status = response.status
    record.requestId = response.headers.get('request-id') ?? response.headers.get('x-request-id')
    const header = response.headers.get('x-anvat-cost-usd')
    if (header !== null) record.costMicros = parseUsdToMicros(header)
    const text = await readBounded(response)
    if (response.status === 429) record.outcome = 'status-429'
    else if (response.status >= 500) record.outcome = 'status-5xx'
    else if (response.status >= 400) record.outcome = 'status-4xx'
    else if (!scenario.stream) record.outcome = header !== null && parsesAsJson(text) ? 'whole-ok' : 'malformed'
    else {
      const trailer = /^: x-anvat-cost-usd=(\S+)$/m.exec(text)?.[1]
      if (trailer !== undefined) record.costMicros = parseUsdToMicros(trailer)
      record.outcome = streamEnding(scenario.dialect, text)
      if (record.outcome !== 'stream-truncated' && trailer === undefined) record.outcome = 'malformed'
    }
  } catch {
    // Our own timeout, or the gateway dropping the connection: the outcome says which, and the run goes on.
    record.outcome = abort.signal.aborted ? 'client-timeout' : 'connection-error'
  } finally {
    clearTimeout(timer)
    record.durationMs = performance.now() - startedMs
  }
  return record
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    // Not JSON: the caller classifies the answer as malformed.
    return false
  }
}

/** Runs `concurrency` callers until `untilMs` (each finishing its last call), each call's scenario drawn from the seed and its number. */
export async function drive(options: TrafficOptions, untilMs: number, records: CallRecord[]) {
  let nextSoakId = 1
  const worker = async () => {
    while (performance.now() < untilMs && options.gatewayRunning()) {
      const soakId = String(nextSoakId++)
      const scenario = scenarios[Math.floor(seededRandom(`${options.seed}:scenario:${soakId}`)() * scenarios.length)]!
      records.push(await callGateway(options, soakId, scenario))
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
}
