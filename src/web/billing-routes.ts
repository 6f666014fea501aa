import { Elysia } from 'elysia'
import { ledgerEntryPage, spendByDayAndModel, usagePage } from '../accounts/billing-queries.ts'
import type { Session } from '../accounts/sessions.ts'
import { eq } from 'drizzle-orm'
import { creditPack } from '../accounts/packs.ts'
import { accounts } from '../ledger/schema.ts'
import { baseUrlOf, formIsGenuine, sessionOf, type FormFields, type WebDependencies } from './dependencies.ts'
import { redirect, renderPage } from './layout.ts'
import { billingPage } from './views/billing-views.ts'
import { lastDays } from './views/spend-chart.ts'

/*
 * /app/billing: the account's balance, the packs it can buy, its spend by day and model over the last 30 days, and
 * its usage and credit history, a page of 25 at a time.
 */

const pageSize = 25
const chartDays = 30
/** The highest page number a link may ask for; deeper history is for the usage API. */
const pageMax = 10_000

const pageNumber = (text: string | undefined) => {
  const value = Number(text ?? '0')
  return Number.isSafeInteger(value) && value >= 0 ? Math.min(value, pageMax) : 0
}

export function billingRoutes(dependencies: WebDependencies) {
  const { connection, config } = dependencies

  const page = async (session: Session, query: Record<string, string | undefined>, extra: { notice?: string; problem?: string; status?: number } = {}) => {
    const accountId = session.user.accountId
    const entriesPage = pageNumber(query.entries)
    const usagePageNumber = pageNumber(query.usage)
    const days = lastDays(dependencies.now(), chartDays)
    const [balance, spend, entries, usage] = await Promise.all([
      dependencies.ledger.balance(accountId),
      spendByDayAndModel(connection, accountId, Date.parse(`${days[0]}T00:00:00Z`)),
      ledgerEntryPage(connection, accountId, entriesPage, pageSize),
      usagePage(connection, accountId, usagePageNumber, pageSize),
    ])
    return renderPage({
      title: 'Billing',
      current: 'billing',
      signedIn: { email: session.user.email, csrfToken: session.csrfToken },
      status: extra.status,
      body: billingPage({
        balanceMicros: balance?.balanceMicros ?? 0,
        packs: config.packs,
        checkout: dependencies.stripe !== undefined,
        csrfToken: session.csrfToken,
        spend,
        days,
        entries: { ...entries, page: entriesPage },
        usage: { ...usage, page: usagePageNumber },
        notice: extra.notice,
        problem: extra.problem,
      }),
    })
  }

  return new Elysia({ name: 'billing-pages' })
    .get('/app/billing', async ({ request, query }) => {
      const session = await sessionOf(dependencies, request)
      if (session === undefined) return redirect('/app/login')
      // Stripe sends the browser back here; the credit follows with Stripe's webhook, usually within seconds.
      const notice = query.paid === undefined ? undefined : 'Thank you. Your credit appears here as soon as the payment is confirmed; reload in a moment.'
      return page(session, query, { notice })
    })
    .post('/app/billing/checkout', async ({ request, body }) => {
      const session = await sessionOf(dependencies, request)
      if (session === undefined) return redirect('/app/login')
      const form = body as FormFields
      if (!formIsGenuine(request, form, session.csrfToken)) return page(session, {}, { problem: 'This form expired. Reload the page and try again.', status: 403 })
      const stripe = dependencies.stripe
      if (stripe === undefined) return page(session, {}, { problem: 'Card payments are not set up on this gateway.', status: 404 })
      const pack = config.packs.find((candidate) => candidate.id === form.pack)
      if (pack === undefined) return page(session, {}, { problem: 'No such pack.', status: 400 })
      const baseUrl = baseUrlOf(dependencies, request)
      try {
        const checkout = await stripe.start({
          accountId: session.user.accountId,
          email: session.user.email,
          pack,
          successUrl: `${baseUrl}/app/billing?paid=1`,
          cancelUrl: `${baseUrl}/app/billing`,
        })
        return redirect(checkout.url)
      } catch (error) {
        dependencies.logger.error('stripe checkout failed', { account: session.user.accountId, pack: pack.id, error: String(error) })
        return page(session, {}, { problem: 'The payment page could not be opened. Try again in a moment.', status: 502 })
      }
    })
    .post(stripeWebhookPath, async ({ request, body }) => {
      const stripe = dependencies.stripe
      if (stripe === undefined) return Response.json({ error: 'Stripe is not set up on this gateway.' }, { status: 404 })
      const event = await stripe.verify(body as string, request.headers.get('stripe-signature'))
      if (event === undefined) return Response.json({ error: 'Invalid Stripe signature.' }, { status: 400 })
      const payment = stripe.paymentOf(event)
      if (payment === undefined) return Response.json({ received: true })
      const [account] = await connection.database.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, payment.accountId)).limit(1)
      if (account === undefined) {
        // Retrying cannot help: say so to Stripe's dashboard, and to the operator's log.
        dependencies.logger.error('stripe payment for an unknown account', { event: event.id, account: payment.accountId })
        return Response.json({ received: true, credited: false, reason: 'unknown account' })
      }
      const { credited } = await creditPack(connection, payment, dependencies.now())
      dependencies.logger.info('pack paid', { event: event.id, payment: payment.id, account: payment.accountId, pack: payment.packId, credited })
      return Response.json({ received: true, credited })
    })
}

/** Where Stripe delivers webhook events (configure this URL, with the signing secret, in Stripe's dashboard). */
export const stripeWebhookPath = '/app/billing/webhook'
