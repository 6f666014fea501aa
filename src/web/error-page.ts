import type { GatewayError } from '../core/error.ts'
import { renderPage } from './layout.ts'
import { errorBody } from './views/account-views.ts'

const titles: Record<number, string> = { 400: 'Bad request', 404: 'Page not found', 413: 'Form too large', 429: 'Too many requests' }

/** An error under /app as a page rather than JSON: the same status, in words, with a way back. */
export function webErrorPage(error: GatewayError): Response {
  const title = titles[error.status] ?? (error.status >= 500 ? 'Something went wrong' : 'Request refused')
  // Internal errors' messages may name internals; people get the status in words instead.
  const message = error.status >= 500 ? 'The gateway could not complete this page. Try again in a moment.' : error.message
  return renderPage({ title, body: errorBody(title, message), status: error.status })
}
