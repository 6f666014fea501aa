import { Elysia } from 'elysia'
import { issueEmailToken, peekEmailToken, useEmailToken } from '../accounts/email-tokens.ts'
import { endOtherSessions } from '../accounts/sessions.ts'
import { confirmEmail, findUserByEmail, findUserById, normalizeEmail, passwordLengthMax, passwordLengthMin, setPassword, type User } from '../accounts/users.ts'
import { formatMicrosForPeople } from '../core/money.ts'
import { baseUrlOf, formCookieToken, formIsGenuine, sessionOf, type FormFields, type WebDependencies } from './dependencies.ts'
import { html } from './html.ts'
import { redirect, renderPage } from './layout.ts'
import { refuseOverAttemptLimit, signedOutFormPage } from './signed-out-forms.ts'
import { confirmationPending, errorBody, resetPasswordForm, resetRequestForm } from './views/account-views.ts'

/*
 * The two flows that need mail, on only when a mailer is set up (config `mail`): confirming a new user's address,
 * which adds the signup grant that waited for it, and resetting a forgotten password, which ends every session.
 * The reset request answers the same whether or not the address has an account, so it reveals none.
 */

/** Mails `user` a link confirming their address; false when the mail could not be sent (logged). */
export async function sendConfirmation(dependencies: WebDependencies, request: Request, user: User): Promise<boolean> {
  if (dependencies.mailer === undefined) return false
  const token = await issueEmailToken(dependencies.connection, user.id, 'verify-email', dependencies.now())
  const link = `${baseUrlOf(dependencies, request)}/app/verify?token=${token}`
  const grant = dependencies.config.accounts.signupCreditMicros
  try {
    await dependencies.mailer.send({
      to: user.email,
      subject: 'Confirm your address for Anvat',
      text: `Confirm your address by opening this link within 48 hours:\n\n${link}\n\n${grant > 0 ? `Your $${formatMicrosForPeople(grant)} of signup credit is added when you do.\n\n` : ''}If you did not sign up, ignore this mail.\n`,
    })
    return true
  } catch (error) {
    dependencies.logger.error('confirmation mail failed', { user: user.id, error: String(error) })
    return false
  }
}

const resetNotice = 'If an account uses this address, we sent it a link to choose a new password. It works for an hour.'

export function mailRoutes(dependencies: WebDependencies) {
  const { connection, config } = dependencies
  const mailer = dependencies.mailer
  const app = new Elysia({ name: 'mail-pages' })
  if (mailer === undefined) return app
  const notAvailable = (session?: { email: string; csrfToken: string }) =>
    renderPage({ title: 'Link not valid', body: errorBody('Link not valid', 'This link is unknown, already used, or expired.'), status: 400, signedIn: session })

  return app
    .get('/app/verify', async ({ request, query }) => {
      const session = await sessionOf(dependencies, request)
      const signedIn = session && { email: session.user.email, csrfToken: session.csrfToken }
      const userId = typeof query.token === 'string' && query.token.length <= 128 ? await useEmailToken(connection, query.token, 'verify-email', dependencies.now()) : undefined
      if (userId === undefined) return notAvailable(signedIn)
      const user = await findUserById(connection, userId)
      if (user === undefined) return notAvailable(signedIn)
      await confirmEmail(connection, user, config.accounts.signupCreditMicros, dependencies.now())
      const grant = config.accounts.signupCreditMicros
      return renderPage({
        title: 'Address confirmed',
        signedIn,
        body: html`<h1>Address confirmed</h1><p>${user.email} is confirmed.${grant > 0 && html` Your $${formatMicrosForPeople(grant)} of signup credit is in your account.`}</p><p><a class="button" href="/app/keys">Go to your keys</a></p>`,
      })
    })
    .post('/app/verify/resend', async ({ request, body }) => {
      const session = await sessionOf(dependencies, request)
      if (session === undefined) return redirect('/app/login')
      if (!formIsGenuine(request, body as FormFields, session.csrfToken)) return redirect('/app/keys')
      const signedIn = { email: session.user.email, csrfToken: session.csrfToken }
      if (session.user.emailVerifiedAtMs !== null) return renderPage({ title: 'Address confirmed', signedIn, body: html`<h1>Address confirmed</h1><p>${session.user.email} is confirmed already.</p>` })
      const limited = refuseOverAttemptLimit(dependencies, request, 'Confirm your address', (csrfToken, problem) => html`<p class="error">${problem}</p>${confirmationPending({ email: session.user.email, grantMicros: config.accounts.signupCreditMicros, sent: false, csrfToken })}`)
      if (limited !== undefined) return limited
      const sent = await sendConfirmation(dependencies, request, session.user)
      return renderPage({ title: 'Confirm your address', signedIn, body: confirmationPending({ email: session.user.email, grantMicros: config.accounts.signupCreditMicros, sent, csrfToken: session.csrfToken }) })
    })
    .get('/app/reset', ({ request }) => signedOutFormPage(dependencies, request, 'Reset your password', (csrfToken) => resetRequestForm({ csrfToken })))
    .post('/app/reset', async ({ request, body }) => {
      const form = body as FormFields
      const email = normalizeEmail(form.email ?? '')
      const page = (options: { problem?: string; notice?: string }, status = 200) =>
        signedOutFormPage(dependencies, request, 'Reset your password', (csrfToken) => resetRequestForm({ csrfToken, email, ...options }), status)
      if (!formIsGenuine(request, form, formCookieToken(request))) return page({ problem: 'This form expired. Please submit it again.' }, 403)
      const limited = refuseOverAttemptLimit(dependencies, request, 'Reset your password', (csrfToken, problem) => resetRequestForm({ csrfToken, email, problem }))
      if (limited !== undefined) return limited
      const user = await findUserByEmail(connection, email)
      if (user !== undefined) {
        const token = await issueEmailToken(connection, user.id, 'reset-password', dependencies.now())
        const link = `${baseUrlOf(dependencies, request)}/app/reset/confirm?token=${token}`
        await mailer
          .send({ to: user.email, subject: 'Reset your Anvat password', text: `Choose a new password within the hour:\n\n${link}\n\nIf you did not ask for this, ignore this mail: your password stays as it is.\n` })
          .catch((error: unknown) => dependencies.logger.error('reset mail failed', { user: user.id, error: String(error) }))
      }
      return page({ notice: resetNotice })
    })
    .get('/app/reset/confirm', async ({ request, query }) => {
      const token = typeof query.token === 'string' && query.token.length <= 128 ? query.token : ''
      if ((await peekEmailToken(connection, token, 'reset-password', dependencies.now())) === undefined) return notAvailable()
      return signedOutFormPage(dependencies, request, 'Choose a new password', (csrfToken) => resetPasswordForm({ csrfToken, token }))
    })
    .post('/app/reset/confirm', async ({ request, body }) => {
      const form = body as FormFields
      const token = (form.token ?? '').slice(0, 128)
      const password = form.password ?? ''
      const again = (problem: string, status: number) => signedOutFormPage(dependencies, request, 'Choose a new password', (csrfToken) => resetPasswordForm({ csrfToken, token, problem }), status)
      if (!formIsGenuine(request, form, formCookieToken(request))) return again('This form expired. Please submit it again.', 403)
      if (password.length < passwordLengthMin || password.length > passwordLengthMax) return again(`Choose a password of ${passwordLengthMin} to ${passwordLengthMax} characters.`, 400)
      const userId = await useEmailToken(connection, token, 'reset-password', dependencies.now())
      if (userId === undefined) return notAvailable()
      await setPassword(connection, userId, password)
      await endOtherSessions(connection, userId)
      dependencies.logger.info('password reset', { user: userId })
      return redirect('/app/login?reset=1')
    })
}
