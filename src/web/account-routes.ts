import { Elysia } from 'elysia'
import { endSession, startSession } from '../accounts/sessions.ts'
import { normalizeEmail, signUp, signupProblem, verifyLogin } from '../accounts/users.ts'
import { cookie, isSecureRequest, readCookies, sessionCookieName } from './cookies.ts'
import { baseUrlOf, formCookieToken, formIsGenuine, sessionOf, type FormFields, type WebDependencies } from './dependencies.ts'
import { refuseOverAttemptLimit, signedOutFormPage, type RenderForm, type RenderFormWithProblem } from './signed-out-forms.ts'
import { sendConfirmation } from './mail-routes.ts'
import { redirect, renderPage } from './layout.ts'
import { confirmationPending, errorBody, loginForm, signupDone, signupForm } from './views/account-views.ts'

/*
 * Signup, sign-in and sign-out. The signed-out forms carry a double-submit CSRF token (cookie and hidden field);
 * each POST counts against its address's attempts per minute before any password is hashed, so neither guessing
 * passwords nor mass signups can run faster than the limit.
 */

/** The name of the key every new account starts with. */
export const firstKeyName = 'default'

export function accountRoutes(dependencies: WebDependencies) {
  const { config, connection } = dependencies
  const accounts = config.accounts

  const signedOutPage = (request: Request, title: string, render: RenderForm, status = 200) => signedOutFormPage(dependencies, request, title, render, status)
  const overAttemptLimit = (request: Request, title: string, render: RenderFormWithProblem) => refuseOverAttemptLimit(dependencies, request, title, render)

  /** Starts a session: its Set-Cookie and its CSRF token. */
  const startSignedIn = async (request: Request, userId: string) => {
    const session = await startSession(connection, userId, dependencies.now(), accounts.sessionMs)
    return { setCookie: cookie(sessionCookieName, session.token, { maxAgeSeconds: accounts.sessionMs / 1000, secure: isSecureRequest(request, accounts) }), csrfToken: session.csrfToken }
  }

  const resetAvailable = dependencies.mailer !== undefined

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
      // With mail set up, the grant waits for the address to be confirmed, so throwaway addresses earn nothing.
      const confirming = dependencies.mailer !== undefined
      const grantMicros = confirming ? 0 : accounts.signupCreditMicros
      const created = await signUp(connection, { email, password, grantMicros, keyName: firstKeyName }, dependencies.now())
      if (!created.ok) return again('An account with this email already exists. Sign in instead.', 409)
      dependencies.logger.info('signup', { user: created.user.id, account: created.user.accountId })
      const session = await startSignedIn(request, created.user.id)
      const confirmation = confirming
        ? confirmationPending({ email, grantMicros: accounts.signupCreditMicros, sent: await sendConfirmation(dependencies, request, created.user), csrfToken: session.csrfToken })
        : undefined
      return renderPage({
        title: 'Welcome',
        body: signupDone({ key: created.key.key, keyName: firstKeyName, grantMicros, baseUrl: baseUrlOf(dependencies, request), confirmation }),
        signedIn: { email: created.user.email, csrfToken: session.csrfToken },
        status: 201,
        headers: { 'set-cookie': session.setCookie },
      })
    })
    .get('/app/login', async ({ request, query }) => {
      if ((await sessionOf(dependencies, request)) !== undefined) return redirect('/app/keys')
      const notice = query.reset === undefined ? undefined : 'Your password is changed. Sign in with the new one.'
      return signedOutPage(request, 'Sign in', (csrfToken) => loginForm({ csrfToken, resetAvailable, notice }))
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
