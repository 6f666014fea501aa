import type { Dialect, DialectName } from '../core/dialect.ts'
import { anthropic } from './anthropic/index.ts'
import { openaiChat } from './openai-chat/index.ts'
import { openaiResponses } from './openai-responses/index.ts'

/** Every dialect by name. */
export const dialects: Record<DialectName, Dialect> = {
  anthropic,
  'openai-chat': openaiChat,
  'openai-responses': openaiResponses,
}
