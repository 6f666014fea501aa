/**
 * The Responses API reports HTTP errors in the same envelope as Chat Completions.
 * @see https://platform.openai.com/docs/api-reference/responses
 */
export { encodeError, type OpenAIErrorResponse } from '../openai-chat/error.ts'
