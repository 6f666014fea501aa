import type { Provider, UpstreamCall } from '../../core/provider.ts'
import type { ResolvedMockProviderConfig } from '../../config/schema.ts'
import { mockAnthropic } from './anthropic.ts'
import { mockOpenAIChat } from './openai-chat.ts'
import { mockOpenAIResponses } from './openai-responses.ts'

/**
 * The built-in mock upstream behind `anvat-echo`. It speaks all three dialects natively, so every route reaches it
 * through the same passthrough path (metering, stream relay, logging) that real upstreams take.
 */
export function createMockProvider(config: ResolvedMockProviderConfig, now: () => number): Provider {
  return {
    id: config.id,
    dialects: ['anthropic', 'openai-chat', 'openai-responses'],
    // It takes no key, so the pool's one key is a placeholder that never rests (the mock never refuses one).
    keyCount: 1,
    timeouts: config.timeouts,
    secrets: [],
    send: async (call) => {
      const nowSeconds = Math.floor(now() / 1000)
      try {
        // The route validated the envelope; what it lets through (odd items inside lists) is the mock's to refuse.
        const body = JSON.parse(call.body)
        switch (call.operation) {
          case 'messages':
          case 'count-tokens':
            return mockAnthropic(call.operation, body)
          case 'chat-completions':
            return mockOpenAIChat(body, nowSeconds)
          case 'responses':
            return mockOpenAIResponses(body, nowSeconds)
        }
      } catch (error) {
        // A real API answers a request it cannot read with a 400 in its own dialect, and so does the mock.
        return invalidRequest(call.operation, `anvat-echo could not read the request: ${(error as Error).message}`)
      }
    },
  }
}

function invalidRequest(operation: UpstreamCall['operation'], message: string): Response {
  const body =
    operation === 'messages' || operation === 'count-tokens'
      ? { type: 'error', error: { type: 'invalid_request_error', message } }
      : { error: { message, type: 'invalid_request_error', param: null, code: null } }
  return new Response(JSON.stringify(body), { status: 400, headers: { 'content-type': 'application/json' } })
}
