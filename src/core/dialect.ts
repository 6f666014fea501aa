import type { GatewayError } from './error.ts'
import type { StreamMeter, StreamTracker } from './stream.ts'
import type { Usage } from './usage.ts'

/** The three wire dialects a client can speak to Anvat, and an upstream can speak to it. */
export type DialectName = 'anthropic' | 'openai-chat' | 'openai-responses'

/** The upstream operation a route asks a provider to perform. */
export type Operation = 'messages' | 'count-tokens' | 'chat-completions' | 'responses'

/** Which dialect each operation's body is written in. */
export const operationDialect: Record<Operation, DialectName> = {
  messages: 'anthropic',
  'count-tokens': 'anthropic',
  'chat-completions': 'openai-chat',
  responses: 'openai-responses',
}

/** What every dialect folder provides; `dialects/<name>/index.ts` assembles it, so a missing piece is a type error. */
export type Dialect = {
  name: DialectName
  /** The response header its SDK reads the request id from. */
  requestIdHeader: string
  /** This dialect's HTTP error: status and body. */
  encodeError: (error: GatewayError, requestId: string) => { status: number; body: unknown }
  createStreamTracker: () => StreamTracker
  createStreamMeter: () => StreamMeter
  /** Usage of a whole (non-streamed) response body, if it has any. */
  decodeResponseUsage: (body: unknown) => Usage | undefined
}
