/**
 * The request checks and error bodies of the fake upstream (fake-upstream.ts). They copy what Anthropic and OpenAI
 * reject, with their exact error shapes, so a gateway bug that a real API would answer with 400 or 401 fails offline
 * too.
 */

/** The endpoints the fake serves. */
export type FakeRoute = 'anthropic-messages' | 'anthropic-count-tokens' | 'openai-chat' | 'openai-responses'

/** A rejected request: the status and the exact body the real API would send. */
export type FakeRejection = { status: number; body: string }

/** What validation hands back: the parsed body, or the rejection to send instead. */
export type FakeValidation = { ok: true; body: Record<string, unknown> } | { ok: false; rejection: FakeRejection }

/** The upstream credentials the fake accepts, and the request id to quote in Anthropic error bodies. */
export type FakeValidationContext = { anthropicKey: string; openaiKey: string; requestId: string }

const routesByPath: Record<string, FakeRoute> = {
  '/v1/messages': 'anthropic-messages',
  '/v1/messages/count_tokens': 'anthropic-count-tokens',
  '/v1/chat/completions': 'openai-chat',
  '/v1/responses': 'openai-responses',
}

/** Keys that only the OpenAI dialects know: Anthropic answers "Extra inputs are not permitted", so a leak shows. */
const openAIOnlyFields = (
  'stream_options n user max_completion_tokens response_format frequency_penalty presence_penalty ' +
  'logit_bias logprobs top_logprobs seed parallel_tool_calls reasoning_effort store input instructions ' +
  'max_output_tokens previous_response_id stop prompt_cache_key safety_identifier'
).split(' ')

/** Keys that only Anthropic knows: OpenAI rejects them as unrecognised arguments. */
const anthropicOnlyFields = (
  'system thinking stop_sequences top_k output_config context_management mcp_servers container ' +
  'cache_control anthropic_version inference_geo'
).split(' ')

/** OpenAI reasoning models refuse the legacy `max_tokens` (WIRE §1.3). */
const reasoningModelPattern = /^(o\d|gpt-5)/

/** Maps a method and path to a route; the query string is ignored, as Claude Code sends `?beta=true`. */
export function matchRoute(method: string, path: string): FakeRoute | undefined {
  return method === 'POST' ? routesByPath[path] : undefined
}

/** Checks credentials, headers and the body envelope the way the real API for `route` does. */
export function validateRequest(
  route: FakeRoute,
  headers: Headers,
  bodyText: string,
  context: FakeValidationContext,
): FakeValidation {
  if (route === 'anthropic-messages' || route === 'anthropic-count-tokens') {
    return validateAnthropic(route, headers, bodyText, context)
  }
  return validateOpenAI(route, headers, bodyText, context)
}

function validateAnthropic(
  route: FakeRoute,
  headers: Headers,
  bodyText: string,
  context: FakeValidationContext,
): FakeValidation {
  const reject = (status: number, type: string, message: string): FakeValidation => ({
    ok: false,
    rejection: { status, body: anthropicErrorBody(type, message, context.requestId) },
  })
  const apiKey = headers.get('x-api-key')
  if (apiKey === null) return reject(401, 'authentication_error', 'x-api-key header is required')
  if (apiKey !== context.anthropicKey) return reject(401, 'authentication_error', 'invalid x-api-key')
  if (headers.get('anthropic-version') === null) {
    return reject(400, 'invalid_request_error', 'anthropic-version: header is required')
  }
  const body = parseObject(bodyText)
  if (body === undefined) {
    return reject(
      400,
      'invalid_request_error',
      'There was an error parsing the body of your request. Please check that it is valid JSON.',
    )
  }
  const fieldError = (field: string, problem: string) => reject(400, 'invalid_request_error', `${field}: ${problem}`)
  if (!('model' in body)) return fieldError('model', 'Field required')
  if (typeof body.model !== 'string') return fieldError('model', 'Input should be a valid string')
  if (!('messages' in body)) return fieldError('messages', 'Field required')
  if (!Array.isArray(body.messages)) return fieldError('messages', 'Input should be a valid list')
  if (route === 'anthropic-messages') {
    if (!('max_tokens' in body)) return fieldError('max_tokens', 'Field required')
    if (!Number.isInteger(body.max_tokens)) return fieldError('max_tokens', 'Input should be a valid integer')
    if ((body.max_tokens as number) < 0) return fieldError('max_tokens', 'Input should be greater than or equal to 0')
    if ('stream' in body && typeof body.stream !== 'boolean')
      return fieldError('stream', 'Input should be a valid boolean')
  }
  const foreign = openAIOnlyFields.find((field) => field in body)
  if (foreign !== undefined) return fieldError(foreign, 'Extra inputs are not permitted')
  return { ok: true, body }
}

function validateOpenAI(
  route: FakeRoute,
  headers: Headers,
  bodyText: string,
  context: FakeValidationContext,
): FakeValidation {
  const reject = (status: number, message: string, param: string | null, code: string | null): FakeValidation => ({
    ok: false,
    rejection: { status, body: openAIErrorBody({ message, type: 'invalid_request_error', param, code }) },
  })
  const authorization = headers.get('authorization')
  if (authorization === null || !authorization.startsWith('Bearer ')) {
    return reject(
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (i.e. YOUR_KEY:). You can obtain an API key from https://platform.openai.com/account/api-keys.",
      null,
      null,
    )
  }
  const apiKey = authorization.slice('Bearer '.length)
  if (apiKey !== context.openaiKey) {
    return reject(
      401,
      `Incorrect API key provided: ${maskOpenAIKey(apiKey)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      null,
      'invalid_api_key',
    )
  }
  const body = parseObject(bodyText)
  if (body === undefined) {
    return reject(
      400,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
      null,
      null,
    )
  }
  const missing = (field: string) =>
    reject(400, `Missing required parameter: '${field}'.`, field, 'missing_required_parameter')
  const invalidType = (field: string, expected: string) =>
    reject(
      400,
      `Invalid type for '${field}': expected ${expected}, but got ${describeJsonType(body[field])} instead.`,
      field,
      'invalid_type',
    )
  if (!('model' in body)) return missing('model')
  if (typeof body.model !== 'string') return invalidType('model', 'a string')
  const foreign = anthropicOnlyFields.find((field) => field in body)
  if (route === 'openai-chat') {
    if (!('messages' in body)) return missing('messages')
    if (!Array.isArray(body.messages)) return invalidType('messages', 'an array of objects')
    if (foreign !== undefined) return reject(400, `Unrecognized request argument supplied: ${foreign}`, null, null)
    if ('max_tokens' in body && reasoningModelPattern.test(body.model)) {
      return reject(
        400,
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        'max_tokens',
        'unsupported_parameter',
      )
    }
    if ('stream_options' in body && body.stream !== true) {
      return reject(
        400,
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        'stream_options',
        null,
      )
    }
    return { ok: true, body }
  }
  if (!('input' in body)) return missing('input')
  if (typeof body.input !== 'string' && !Array.isArray(body.input))
    return invalidType('input', 'one of a string or array of input items')
  const unknown = foreign ?? ['messages', 'max_tokens', 'max_completion_tokens', 'stop'].find((field) => field in body)
  if (unknown !== undefined) return reject(400, `Unknown parameter: '${unknown}'.`, unknown, 'unknown_parameter')
  return { ok: true, body }
}

/** The 404 for any other path: Anthropic's shape when the request looks Anthropic, else OpenAI's "Invalid URL". */
export function notFoundRejection(method: string, path: string, headers: Headers, requestId: string): FakeRejection {
  const looksAnthropic = headers.has('anthropic-version') || headers.has('x-api-key') || path.startsWith('/v1/messages')
  if (looksAnthropic) return { status: 404, body: anthropicErrorBody('not_found_error', 'Not Found', requestId) }
  const error = { message: `Invalid URL (${method} ${path})`, type: 'invalid_request_error', param: null, code: null }
  return { status: 404, body: openAIErrorBody(error) }
}

/** Anthropic's error body, compact JSON as the API sends it. */
export function anthropicErrorBody(type: string, message: string, requestId: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId })
}

/** OpenAI's error body: all four keys, indented by four spaces and ending in a newline, as the API sends it. */
export function openAIErrorBody(error: {
  message: string
  type: string
  param: string | null
  code: string | null
}): string {
  return `${JSON.stringify({ error }, null, 4)}\n`
}

/** OpenAI quotes a wrong key with its middle masked; never echo a whole key, even a wrong one. */
function maskOpenAIKey(apiKey: string): string {
  if (apiKey.length <= 12) return '*'.repeat(apiKey.length)
  return `${apiKey.slice(0, 6)}${'*'.repeat(apiKey.length - 9)}${apiKey.slice(-3)}`
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    return value as Record<string, unknown>
  } catch {
    // Safe to swallow: a body that is not JSON is exactly what the caller turns into a 400.
    return undefined
  }
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal'
  if (typeof value === 'boolean') return 'a boolean'
  if (typeof value === 'string') return 'a string'
  return 'an object'
}
