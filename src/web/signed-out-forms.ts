import { randomBase62 } from '../core/ids.ts'
import { cookie, formCookieName, isSecureRequest } from './cookies.ts'
import { clientAddress, formCookieToken, type WebDependencies } from './dependencies.ts'
import type { Html } from './html.ts'
import { renderPage } from './layout.ts'

/*
 * What every signed-out form (signup, sign-in, password reset) shares: the double-submit CSRF token, re-used from
 * the browser's cookie or set anew, and the per-address attempt limit every such POST counts against.
 */

/** The signed-out forms' token cookie lives a day; a form older than that is refused and shown again. */
const formTokenLifetimeSeconds = 86_400

export type RenderForm = (csrfToken: string) => Html
export type RenderFormWithProblem = (csrfToken: string, problem: string) => Html

/** A signed-out form's page, re-using the browser's form token or setting a new one. */
export function signedOutFormPage(dependencies: WebDependencies, request: Request, title: string, render: RenderForm, status = 200): Response {
  const existing = formCookieToken(request)
  const csrfToken = existing !== undefined && /^[A-Za-z0-9]{32}$/.test(existing) ? existing : randomBase62(32)
  const secure = isSecureRequest(request, dependencies.config.accounts)
  const headers: Record<string, string> = existing === csrfToken ? {} : { 'set-cookie': cookie(formCookieName, csrfToken, { maxAgeSeconds: formTokenLifetimeSeconds, secure }) }
  return renderPage({ title, body: render(csrfToken), status, headers })
}

/** Refuses a POST over its address's attempt limit, with the wait; undefined when it may go on. */
export function refuseOverAttemptLimit(dependencies: WebDependencies, request: Request, title: string, render: RenderFormWithProblem): Response | undefined {
  const decision = dependencies.attempts.admitRequest(`address:${clientAddress(dependencies, request)}`, dependencies.config.accounts.attemptsPerMinute)
  if (decision.allowed) return undefined
  const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000))
  const response = signedOutFormPage(dependencies, request, title, (token) => render(token, `Too many attempts from your address. Try again in ${retryAfterSeconds} seconds.`), 429)
  response.headers.set('retry-after', String(retryAfterSeconds))
  return response
}
