import type { Provider } from '../../core/provider.ts'
import type { MockProviderConfig } from '../../config/schema.ts'
import { mockAnthropic } from './anthropic.ts'
import { mockOpenAIChat } from './openai-chat.ts'
import { mockOpenAIResponses } from './openai-responses.ts'

/**
 * The built-in mock upstream behind `anvat-echo`. It speaks all three dialects natively, so every route reaches it
 * through the same passthrough path (metering, stream relay, logging) that real upstreams take.
 */
export function createMockProvider(config: MockProviderConfig, now: () => number): Provider {
  return {
    id: config.id,
    dialects: ['anthropic', 'openai-chat', 'openai-responses'],
    secrets: [],
    send: async (call) => {
      // The route has validated the envelope against the dialect's schema; the mock trusts it as a real API would.
      const body = JSON.parse(call.body)
      const nowSeconds = Math.floor(now() / 1000)
      switch (call.operation) {
        case 'messages':
        case 'count-tokens':
          return mockAnthropic(call.operation, body)
        case 'chat-completions':
          return mockOpenAIChat(body, nowSeconds)
        case 'responses':
          return mockOpenAIResponses(body, nowSeconds)
      }
    },
  }
}
