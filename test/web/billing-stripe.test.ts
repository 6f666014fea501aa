/**
 * Prepaid packs through Stripe Checkout. The buy button creates a checkout session on Stripe's API (a fake on
 * loopback here, answering as Stripe does) carrying the account, pack and credit, and sends the browser to it. The
 * webhook, verified with the signing secret, credits the account once per checkout session: a repeated event, or a
 * second event for the same payment, credits nothing more; a bad signature gets 400 and credits nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import Stripe from 'stripe'
import { createStripeBilling } from '../../src/billing/stripe-checkout.ts'
import { ledgerEntries, payments, users } from '../../src/ledger/schema.ts'
import { createTestGateway, type TestGateway } from '../support/gateway.ts'
import { createWebClient, type WebClient } from '../support/web-client.ts'

const webhookSecret = 'whsec_test_anvat_0123456789abcdef'
const secretKey = 'sk_test_anvat_not_a_real_key'
const packs = [
  { id: 'p10', priceUsd: 10, creditUsd: 20 },
  { id: 'p50', priceUsd: 50, creditUsd: 100 },
]

/** Stripe's API as far as Checkout goes: it records each create call and answers with a session and its URL. */
type CheckoutCall = { authorization: string | null; fields: URLSearchParams }
let checkoutCalls: CheckoutCall[] = []
let stripeApi: ReturnType<typeof Bun.serve>
let gateway: TestGateway
const stripeHelper = new Stripe(secretKey)

beforeAll(async () => {
  stripeApi = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: async (request) => {
      const url = new URL(request.url)
      if (request.method !== 'POST' || url.pathname !== '/v1/checkout/sessions') return Response.json({ error: { type: 'invalid_request_error', message: 'Unrecognized request URL' } }, { status: 404 })
      const fields = new URLSearchParams(await request.text())
      checkoutCalls.push({ authorization: request.headers.get('authorization'), fields })
      const id = `cs_test_${checkoutCalls.length}`
      return Response.json({ id, object: 'checkout.session', mode: 'payment', payment_status: 'unpaid', status: 'open', url: `https://checkout.stripe.com/c/pay/${id}` })
    },
  })
  gateway = await createTestGateway(undefined, {
    configure: (file) => Object.assign(file as Record<string, unknown>, { packs }),
    stripe: await createStripeBilling({ secretKey, webhookSecret, apiUrl: `http://127.0.0.1:${stripeApi.port}` }),
  })
})
afterAll(async () => {
  await gateway.close()
  await stripeApi.stop(true)
})
afterEach(() => {
  checkoutCalls = []
})

async function signedIn(email: string): Promise<{ browser: WebClient; accountId: string }> {
  const browser = createWebClient(gateway.gateway, { address: `198.51.100.${Math.floor(Math.random() * 200) + 1}` })
  await browser.get('/app/signup')
  expect((await browser.post('/app/signup', { email, password: 'correct horse battery' })).status).toBe(201)
  const [user] = await gateway.connection.database.select().from(users).where(eq(users.email, email))
  return { browser, accountId: user!.accountId }
}

/** A Checkout event as Stripe sends it, for a paid session of `pack` bought by `accountId`. */
function checkoutEvent(eventId: string, sessionId: string, accountId: string, options: { type?: string; paymentStatus?: string; creditMicros?: number } = {}) {
  return JSON.stringify({
    id: eventId,
    object: 'event',
    api_version: '2025-10-29.clover',
    created: 1_795_000_000,
    type: options.type ?? 'checkout.session.completed',
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: {
      object: {
        id: sessionId,
        object: 'checkout.session',
        mode: 'payment',
        amount_total: 1000,
        currency: 'usd',
        client_reference_id: accountId,
        payment_status: options.paymentStatus ?? 'paid',
        status: 'complete',
        metadata: { account_id: accountId, pack_id: 'p10', credit_micros: String(options.creditMicros ?? 20_000_000), paid_micros: '10000000' },
      },
    },
  })
}

async function deliver(payload: string, signature?: string) {
  const header = signature ?? (await stripeHelper.webhooks.generateTestHeaderStringAsync({ payload, secret: webhookSecret }))
  return gateway.gateway.app.handle(new Request('http://anvat.test/app/billing/webhook', { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body: payload }))
}

const balanceOf = async (accountId: string) => (await gateway.ledger.balance(accountId))?.balanceMicros

describe('checkout', () => {
  test('the billing page offers each pack; buying one creates a Checkout session for its price and sends the browser there', async () => {
    const { browser, accountId } = await signedIn('buyer@example.com')
    const billing = await browser.get('/app/billing')
    expect(billing.text).toContain('$20.00 of credit')
    expect(billing.text).toContain('for $10.00')
    expect(billing.text).toContain('2× your spend')
    const redirect = await browser.post('/app/billing/checkout', { pack: 'p10' })
    expect(redirect.status).toBe(303)
    expect(redirect.location).toBe('https://checkout.stripe.com/c/pay/cs_test_1')
    expect(checkoutCalls).toHaveLength(1)
    const { authorization, fields } = checkoutCalls[0]!
    expect(authorization).toBe(`Bearer ${secretKey}`)
    expect(fields.get('mode')).toBe('payment')
    expect(fields.get('line_items[0][price_data][unit_amount]')).toBe('1000')
    expect(fields.get('line_items[0][price_data][currency]')).toBe('usd')
    expect(fields.get('metadata[account_id]')).toBe(accountId)
    expect(fields.get('metadata[pack_id]')).toBe('p10')
    expect(fields.get('metadata[credit_micros]')).toBe('20000000')
    expect(fields.get('customer_email')).toBe('buyer@example.com')
    expect(fields.get('success_url')).toBe('http://anvat.test/app/billing?paid=1')
  })

  test('an unknown pack or a forged form creates no session', async () => {
    const { browser } = await signedIn('careful@example.com')
    await browser.get('/app/billing')
    expect((await browser.post('/app/billing/checkout', { pack: 'p999' })).status).toBe(400)
    expect((await browser.post('/app/billing/checkout', { pack: 'p10', csrf: 'C'.repeat(32) })).status).toBe(403)
    expect(checkoutCalls).toHaveLength(0)
  })
})

describe('webhook', () => {
  test('a signed payment credits the pack once, even when the same event arrives twice', async () => {
    const { accountId } = await signedIn('payer@example.com')
    const before = await balanceOf(accountId)
    const event = checkoutEvent('evt_1', 'cs_test_paid_1', accountId)
    const first = await deliver(event)
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ received: true, credited: true })
    const again = await deliver(event)
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ received: true, credited: false })
    // A later event for the same payment (a delayed method's success) credits nothing more either.
    const later = await deliver(checkoutEvent('evt_2', 'cs_test_paid_1', accountId, { type: 'checkout.session.async_payment_succeeded' }))
    expect(await later.json()).toEqual({ received: true, credited: false })
    expect(await balanceOf(accountId)).toBe(before! + 20_000_000)
    const recorded = await gateway.connection.database.select().from(payments).where(eq(payments.accountId, accountId))
    expect(recorded).toMatchObject([{ id: 'stripe:cs_test_paid_1', packId: 'p10', source: 'stripe', paidMicros: 10_000_000, creditMicros: 20_000_000, eventId: 'evt_1' }])
    const topUps = await gateway.connection.database.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId))
    expect(topUps.filter((entry) => entry.kind === 'top-up').map((entry) => entry.amountMicros)).toEqual([20_000_000])
  })

  test('a bad signature, a missing one, or one made with another secret gets 400 and credits nothing', async () => {
    const { accountId } = await signedIn('forger@example.com')
    const before = await balanceOf(accountId)
    const event = checkoutEvent('evt_forged', 'cs_test_forged', accountId, { creditMicros: 1_000_000_000 })
    const otherSecret = await stripeHelper.webhooks.generateTestHeaderStringAsync({ payload: event, secret: 'whsec_someone_else' })
    for (const signature of [otherSecret, 't=1,v1=deadbeef', '']) {
      const response = await deliver(event, signature)
      expect(response.status).toBe(400)
    }
    // A valid signature over other bytes does not carry over to these.
    const signedOther = await stripeHelper.webhooks.generateTestHeaderStringAsync({ payload: checkoutEvent('evt_x', 'cs_x', accountId), secret: webhookSecret })
    expect((await deliver(event, signedOther)).status).toBe(400)
    expect(await balanceOf(accountId)).toBe(before!)
    expect(await gateway.connection.database.select().from(payments).where(eq(payments.accountId, accountId))).toHaveLength(0)
  })

  test('an unpaid session and other event types are acknowledged and credit nothing', async () => {
    const { accountId } = await signedIn('waiting@example.com')
    const before = await balanceOf(accountId)
    expect(await (await deliver(checkoutEvent('evt_unpaid', 'cs_test_unpaid', accountId, { paymentStatus: 'unpaid' }))).json()).toEqual({ received: true })
    expect(await (await deliver(checkoutEvent('evt_expired', 'cs_test_expired', accountId, { type: 'checkout.session.expired' }))).json()).toEqual({ received: true })
    expect(await balanceOf(accountId)).toBe(before!)
  })
})

test('without Stripe the billing page says the operator tops up, and the checkout and webhook are not there', async () => {
  const plain = await createTestGateway(undefined, { configure: (file) => Object.assign(file as Record<string, unknown>, { packs }) })
  try {
    const browser = createWebClient(plain.gateway)
    await browser.get('/app/signup')
    await browser.post('/app/signup', { email: 'plain@example.com', password: 'correct horse battery' })
    const billing = await browser.get('/app/billing')
    expect(billing.text).toContain('its operator adds packs to your account')
    expect(billing.text).not.toContain('action="/app/billing/checkout"')
    expect((await browser.post('/app/billing/checkout', { pack: 'p10' })).status).toBe(404)
    const webhook = await plain.gateway.app.handle(new Request('http://anvat.test/app/billing/webhook', { method: 'POST', body: '{}' }))
    expect(webhook.status).toBe(404)
  } finally {
    await plain.close()
  }
})
