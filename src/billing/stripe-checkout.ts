import type Stripe from 'stripe'
import { packMicros, type PackPayment } from '../accounts/packs.ts'
import type { PackConfig } from '../config/schema.ts'

/*
 * Prepaid packs paid by card through Stripe Checkout, with the official `stripe` package (its fetch and Web Crypto
 * build, which Bun and the compiled binary run). A checkout session carries the account, the pack and the credit it
 * buys in its metadata, written by this gateway with its secret key; Stripe's signed webhook then reports the
 * payment, and the credit goes in once per checkout session (see accounts/packs.ts).
 */

export type StripeSettings = {
  secretKey: string
  webhookSecret: string
  /** Another API origin than api.stripe.com (a local stripe-mock, or a test's fake), as `http://127.0.0.1:12111`. */
  apiUrl?: string
  fetch?: typeof fetch
}

/** The events that mean a Checkout payment succeeded: at once (cards), or later (bank debits). */
const paidEventTypes = new Set(['checkout.session.completed', 'checkout.session.async_payment_succeeded'])

export type StripeBilling = {
  /** Starts a hosted payment for a pack and says where to send the browser. */
  start: (input: { accountId: string; email: string; pack: PackConfig; successUrl: string; cancelUrl: string }) => Promise<{ url: string }>
  /** The event a webhook delivery carries, if its signature is valid for this gateway's webhook secret. */
  verify: (rawBody: string, signature: string | null) => Promise<Stripe.Event | undefined>
  /** The pack payment an event reports, or undefined for events that credit nothing. */
  paymentOf: (event: Stripe.Event) => PackPayment | undefined
}

/** Loads the `stripe` package only here, so a gateway without card payments never pays for it at start. */
export async function createStripeBilling(settings: StripeSettings): Promise<StripeBilling> {
  const { default: StripeClient } = await import('stripe')
  const api = settings.apiUrl === undefined ? undefined : new URL(settings.apiUrl)
  const stripe = new StripeClient(settings.secretKey, {
    httpClient: StripeClient.createFetchHttpClient(settings.fetch ?? fetch),
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    ...(api === undefined ? {} : { host: api.hostname, port: Number(api.port || (api.protocol === 'https:' ? 443 : 80)), protocol: api.protocol === 'https:' ? 'https' : 'http' }),
  })
  const cryptoProvider = StripeClient.createSubtleCryptoProvider()
  return {
    start: async ({ accountId, email, pack, successUrl, cancelUrl }) => {
      const { paidMicros, creditMicros } = packMicros(pack)
      const session = await stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: 'usd',
              // Micro-USD to cents; prices are whole cents (config allows at most that precision in practice).
              unit_amount: Math.round(paidMicros / 10_000),
              product_data: { name: `$${pack.creditUsd} of API credit`, description: `Prepaid pack ${pack.id}` },
            },
          },
        ],
        customer_email: email,
        client_reference_id: accountId,
        metadata: { account_id: accountId, pack_id: pack.id, credit_micros: String(creditMicros), paid_micros: String(paidMicros) },
        success_url: successUrl,
        cancel_url: cancelUrl,
      })
      if (session.url === null) throw new Error(`Stripe returned checkout session ${session.id} without a URL`)
      return { url: session.url }
    },
    verify: async (rawBody, signature) => {
      if (signature === null || signature === '') return undefined
      try {
        return await stripe.webhooks.constructEventAsync(rawBody, signature, settings.webhookSecret, undefined, cryptoProvider)
      } catch {
        return undefined
      }
    },
    paymentOf: (event) => {
      if (!paidEventTypes.has(event.type)) return undefined
      const session = event.data.object as Stripe.Checkout.Session
      if (session.object !== 'checkout.session' || session.payment_status !== 'paid') return undefined
      const metadata = session.metadata ?? {}
      const creditMicros = Number(metadata.credit_micros)
      if (metadata.account_id === undefined || metadata.pack_id === undefined || !Number.isSafeInteger(creditMicros) || creditMicros < 0) return undefined
      return {
        id: `stripe:${session.id}`,
        accountId: metadata.account_id,
        packId: metadata.pack_id,
        source: 'stripe',
        paidMicros: (session.amount_total ?? 0) * 10_000,
        creditMicros,
        eventId: event.id,
      }
    },
  }
}

/**
 * Card payments for packs, from STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (both or neither), and STRIPE_API_URL
 * to point them at a local stripe-mock; a message when only one of the two secrets is set.
 */
export async function stripeBillingFromEnvironment(env: Readonly<Record<string, string | undefined>>): Promise<StripeBilling | undefined | string> {
  const secretKey = env.STRIPE_SECRET_KEY || undefined
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET || undefined
  if (secretKey === undefined && webhookSecret === undefined) return undefined
  if (secretKey === undefined || webhookSecret === undefined) return 'STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET go together: set both for card payments, or neither'
  return createStripeBilling({ secretKey, webhookSecret, apiUrl: env.STRIPE_API_URL || undefined })
}
