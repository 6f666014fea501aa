import { Elysia } from 'elysia'
import { endSession, startSession } from '../accounts/sessions.ts'
import { normalizeEmail, signUp, signupProblem, verifyLogin } from '../accounts/users.ts'
import { randomBase62 } from '../core/ids.ts'
import { cookie, formCookieName, isSecureRequest, readCookies, sessionCookieName } from './cookies.ts'
import { clientAddress, formCookieToken, formIsGenuine, sessionOf, type FormFields, type WebDependencies } from './dependencies.ts'
import { redirect, renderPage } from './layout.ts'
import { errorBody, loginForm, signupDone, signupForm } from './views/account-views.ts'

/*
 * Signup, sign-in and sign-out. The signed-out forms carry a double-submit CSRF token (cookie and hidden field);
 * each POST counts against its address's attempts per minute before any password is hashed, so neither guessing
 * passwords nor mass signups can run faster than the limit.
 */

/** The name of the key every new account starts with. */
export const firstKeyName = 'default'
/** The signed-out forms' token cookie lives a day; a form older than that is refused and shown again. */
const formTokenLifetimeSeconds = 86_400

export function accountRoutes(dependencies: WebDependencies) {
  const { config, connection } = dependencies
  const accounts = config.accounts

  /** A signed-out form's page, re-using the browser's form token or setting a new one. */
  const signedOutPage = (request: Request, title: string, render: (csrfToken: string) => Parameters<typeof renderPage>[0]['body'], status = 200) => {
    const existing = formCookieToken(request)
    const csrfToken = existing !== undefined && /^[A-Za-z0-9]{32}$/.test(existing) ? existing : randomBase62(32)
    const headers: Record<string, string> = existing === csrfToken ? {} : { 'set-cookie': cookie(formCookieName, csrfToken, { maxAgeSeconds: formTokenLifetimeSeconds, secure: isSecureRequest(request, accounts) }) }
    return renderPage({ title, body: render(csrfToken), status, headers })
  }

  /** Refuses a POST over its address's attempt limit, with the wait; undefined when it may go on. */
  const overAttemptLimit = (request: Request, title: string, render: (csrfToken: string, problem: string) => Parameters<typeof renderPage>[0]['body']) => {
    const decision = dependencies.attempts.admitRequest(`address:${clientAddress(dependencies, request)}`, accounts.attemptsPerMinute)
    if (decision.allowed) return undefined
    const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000))
    const response = signedOutPage(request, title, (token) => render(token, `Too many attempts from your address. Try again in ${retryAfterSeconds} seconds.`), 429)
    response.headers.set('retry-after', String(retryAfterSeconds))
    return response
  }

  /** Starts a session: its Set-Cookie and its CSRF token. */
  const startSignedIn = async (request: Request, userId: string) => {
    const session = await startSession(connection, userId, dependencies.now(), accounts.sessionMs)
    return { setCookie: cookie(sessionCookieName, session.token, { maxAgeSeconds: accounts.sessionMs / 1000, secure: isSecureRequest(request, accounts) }), csrfToken: session.csrfToken }
  }

  const baseUrlOf = (request: Request) => accounts.publicUrl ?? new URL(request.url).origin
  const resetAvailable = config.mail !== undefined

  return new Elysia({ name: 'account-pages' })
    .get('/app', async ({ request }) => redirect((await sessionOf(dependencies, request)) === undefined ? '/app/login' : '/app/keys'))
    .get('/app/signup', ({ request }) =>
      signedOutPage(request, 'Sign up', (csrfToken) => signupForm({ csrfToken, grantMicros: accounts.signupCreditMicros, open: accounts.signup })),
    )
    .post('/app/signup', async ({ request, body }) => {
      const form = body as FormFields
      const email = normalizeEmail(form.email ?? '')
      const again = (problem: string, status: number) =>
        signedOutPage(request, 'Sign up', (csrfToken) => signupForm({ csrfToken, email, problem, grantMicros: accounts.signupCreditMicros, open: accounts.signup }), status)
      if (!accounts.signup) return again('Signup is closed on this gateway.', 403)
      if (!formIsGenuine(request, form, formCookieToken(request))) return again('This form expired. Please submit it again.', 403)
      const limited = overAttemptLimit(request, 'Sign up', (csrfToken, problem) => signupForm({ csrfToken, email, problem, grantMicros: accounts.signupCreditMicros, open: true }))
      if (limited !== undefined) return limited
      const password = form.password ?? ''
      const problem = signupProblem(email, password)
      if (problem !== undefined) return again(problem, 400)
      const created = await signUp(connection, { email, password, grantMicros: accounts.signupCreditMicros, keyName: firstKeyName }, dependencies.now())
      if (!created.ok) return again('An account with this email already exists. Sign in instead.', 409)
      dependencies.logger.info('signup', { user: created.user.id, account: created.user.accountId })
      const session = await startSignedIn(request, created.user.id)
      return renderPage({
        title: 'Welcome',
        body: signupDone({ key: created.key.key, keyName: firstKeyName, grantMicros: accounts.signupCreditMicros, baseUrl: baseUrlOf(request) }),
        signedIn: { email: created.user.email, csrfToken: session.csrfToken },
        status: 201,
        headers: { 'set-cookie': session.setCookie },
      })
    })
    .get('/app/login', async ({ request }) => {
      if ((await sessionOf(dependencies, request)) !== undefined) return redirect('/app/keys')
      return signedOutPage(request, 'Sign in', (csrfToken) => loginForm({ csrfToken, resetAvailable }))
    })
    .post('/app/login', async ({ request, body }) => {
      const form = body as FormFields
      const email = normalizeEmail(form.email ?? '')
      const again = (problem: string, status: number) => signedOutPage(request, 'Sign in', (csrfToken) => loginForm({ csrfToken, email, problem, resetAvailable }), status)
      if (!formIsGenuine(request, form, formCookieToken(request))) return again('This form expired. Please submit it again.', 403)
      const limited = overAttemptLimit(request, 'Sign in', (csrfToken, problem) => loginForm({ csrfToken, email, problem, resetAvailable }))
      if (limited !== undefined) return limited
      const user = await verifyLogin(connection, email, form.password ?? '')
      if (user === undefined) return again('Wrong email or password.', 401)
      return redirect('/app/keys', { 'set-cookie': (await startSignedIn(request, user.id)).setCookie })
    })
    .post('/app/logout', async ({ request, body }) => {
      const session = await sessionOf(dependencies, request)
      const expired = cookie(sessionCookieName, '', { maxAgeSeconds: 0, secure: isSecureRequest(request, accounts) })
      if (session === undefined) return redirect('/app/login', { 'set-cookie': expired })
      if (!formIsGenuine(request, body as FormFields, session.csrfToken)) {
        return renderPage({ title: 'Form expired', body: errorBody('Form expired', 'This form expired. Go back, reload the page and try again.'), status: 403 })
      }
      await endSession(connection, readCookies(request).get(sessionCookieName)!)
      return redirect('/app/login', { 'set-cookie': expired })
    })
}
