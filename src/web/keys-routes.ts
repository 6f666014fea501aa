import { Elysia } from 'elysia'
import { eq } from 'drizzle-orm'
import { createAccountKey, keyNameLengthMax, listAccountKeys, regenerateAccountKey, renameAccountKey, revokeAccountKey } from '../accounts/account-keys.ts'
import type { Session } from '../accounts/sessions.ts'
import { planFor } from '../config/load.ts'
import { accounts } from '../ledger/schema.ts'
import { effectiveLimits } from '../routes/limits-guard.ts'
import { formIsGenuine, sessionOf, type FormFields, type WebDependencies } from './dependencies.ts'
import { redirect, renderPage } from './layout.ts'
import { errorBody } from './views/account-views.ts'
import { keysPage } from './views/keys-views.ts'

/*
 * /app/keys: the signed-in user's keys, and the forms that create, rename, revoke and regenerate them. A new key is
 * shown in clear on the page that answers its form, once; after that only its prefix. Revoking drops the key from
 * the gateway's key cache, so it stops working at once rather than when the cache entry would have expired.
 */

export function keysRoutes(dependencies: WebDependencies) {
  const { connection, config } = dependencies

  const page = async (session: Session, extra: { shown?: { key: string; name: string }; notice?: string; problem?: string; status?: number } = {}) => {
    const [account] = await connection.database.select({ planId: accounts.planId }).from(accounts).where(eq(accounts.id, session.user.accountId)).limit(1)
    const plan = planFor(config, account?.planId)
    const keys = await listAccountKeys(connection, session.user.accountId)
    const balance = await dependencies.ledger.balance(session.user.accountId)
    return renderPage({
      title: 'API keys',
      current: 'keys',
      signedIn: { email: session.user.email, csrfToken: session.csrfToken },
      status: extra.status,
      body: keysPage({
        keys,
        limitsOf: (key) => effectiveLimits({ ...key, accountId: session.user.accountId, planId: account?.planId ?? null }, plan),
        csrfToken: session.csrfToken,
        balanceMicros: balance?.balanceMicros ?? 0,
        ...extra,
      }),
    })
  }

  /** Runs a signed-in form's action, or answers why not: signed out (to the sign-in page) or a forged form (403). */
  const withForm = async (request: Request, body: unknown, action: (session: Session, form: FormFields) => Promise<Response>) => {
    const session = await sessionOf(dependencies, request)
    if (session === undefined) return redirect('/app/login')
    const form = body as FormFields
    if (!formIsGenuine(request, form, session.csrfToken)) {
      return renderPage({
        title: 'Form expired',
        body: errorBody('Form expired', 'This form expired or did not come from this page. Go back, reload and try again.'),
        signedIn: { email: session.user.email, csrfToken: session.csrfToken },
        status: 403,
      })
    }
    return action(session, form)
  }

  const nameOf = (form: FormFields) => (form.name ?? '').trim()
  const nameProblem = (name: string) => (name === '' ? 'Give the key a name.' : name.length > keyNameLengthMax ? `Key names have at most ${keyNameLengthMax} characters.` : undefined)

  return new Elysia({ name: 'keys-pages' })
    .get('/app/keys', async ({ request }) => {
      const session = await sessionOf(dependencies, request)
      return session === undefined ? redirect('/app/login') : page(session)
    })
    .post('/app/keys', ({ request, body }) =>
      withForm(request, body, async (session, form) => {
        const name = nameOf(form)
        const problem = nameProblem(name)
        if (problem !== undefined) return page(session, { problem, status: 400 })
        const created = await createAccountKey(connection, session.user.accountId, name, {}, dependencies.now())
        return page(session, { shown: { key: created.key, name }, status: 201 })
      }),
    )
    .post('/app/keys/:id/rename', ({ request, body, params }) =>
      withForm(request, body, async (session, form) => {
        const name = nameOf(form)
        const problem = nameProblem(name)
        if (problem !== undefined) return page(session, { problem, status: 400 })
        if (!(await renameAccountKey(connection, session.user.accountId, params.id, name))) return page(session, { problem: 'No such key.', status: 404 })
        return page(session, { notice: `Renamed to “${name}”.` })
      }),
    )
    .post('/app/keys/:id/revoke', ({ request, body, params }) =>
      withForm(request, body, async (session) => {
        const revoked = await revokeAccountKey(connection, session.user.accountId, params.id, dependencies.now())
        if (revoked === undefined) return page(session, { problem: 'No such active key.', status: 404 })
        dependencies.forgetKey(revoked.keyHash)
        return page(session, { notice: 'Key revoked: requests with it are refused from now on.' })
      }),
    )
    .post('/app/keys/:id/regenerate', ({ request, body, params }) =>
      withForm(request, body, async (session) => {
        const regenerated = await regenerateAccountKey(connection, session.user.accountId, params.id, dependencies.now())
        if (regenerated === undefined) return page(session, { problem: 'No such active key.', status: 404 })
        if (regenerated.revokedKeyHash !== undefined) dependencies.forgetKey(regenerated.revokedKeyHash)
        return page(session, { shown: { key: regenerated.key, name: regenerated.name }, notice: 'The old key is revoked.', status: 201 })
      }),
    )
}
