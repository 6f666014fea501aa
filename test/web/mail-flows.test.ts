/**
 * With mail set up: a new user's signup grant waits for the confirmation link and is added once however often the
 * link is opened; a password reset mails a single-use link that expires within the hour, sets the new password and
 * ends every session; asking for a reset says the same whether or not the address has an account. Then the same
 * confirmation over real SMTP (nodemailer to an SMTP server on loopback).
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { SMTPServer } from 'smtp-server'
import type { MailMessage } from '../../src/accounts/mailer.ts'
import { users } from '../../src/ledger/schema.ts'
import { createFakeClock } from '../support/clock.ts'
import { createTestGateway, type TestGateway } from '../support/gateway.ts'
import { createWebClient, shownKeyOf } from '../support/web-client.ts'

const password = 'correct horse battery'
let opened: TestGateway[] = []
afterEach(async () => {
  for (const test of opened) await test.close()
  opened = []
})

async function gatewayWithMail() {
  const clock = createFakeClock()
  const sent: MailMessage[] = []
  const test = await createTestGateway(undefined, { now: clock.now, mailer: { send: async (message) => void sent.push(message) } })
  opened.push(test)
  return { test, clock, sent }
}

const linkIn = (message: MailMessage | undefined) => /http:\/\/anvat\.test(\/app\/[^\s]+)/.exec(message?.text ?? '')?.[1]
const balanceOf = async (test: TestGateway, email: string) => {
  const [user] = await test.connection.database.select().from(users).where(eq(users.email, email))
  return (await test.ledger.balance(user!.accountId))?.balanceMicros
}

describe('address confirmation', () => {
  test('the grant waits for the link, and opening the link twice grants it once', async () => {
    const { test, sent } = await gatewayWithMail()
    const browser = createWebClient(test.gateway)
    await browser.get('/app/signup')
    const page = await browser.post('/app/signup', { email: 'new@example.com', password })
    expect(page.status).toBe(201)
    expect(shownKeyOf(page.text)).toBeDefined()
    expect(page.text).toContain('Confirm your address')
    expect(page.text).toContain('Your $2.00 of credit is added when you confirm.')
    expect(await balanceOf(test, 'new@example.com')).toBe(0)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.to).toBe('new@example.com')
    const link = linkIn(sent[0])!
    expect(link).toStartWith('/app/verify?token=')

    const confirmed = await browser.get(link)
    expect(confirmed.status).toBe(200)
    expect(confirmed.text).toContain('Your $2.00 of signup credit is in your account.')
    expect(await balanceOf(test, 'new@example.com')).toBe(2_000_000)
    // The link is spent, and the grant was made once.
    expect((await browser.get(link)).status).toBe(400)
    expect(await balanceOf(test, 'new@example.com')).toBe(2_000_000)
    const [user] = await test.connection.database.select().from(users).where(eq(users.email, 'new@example.com'))
    expect(user!.emailVerifiedAtMs).not.toBeNull()
  })

  test('a resend mails a new link that works; a made-up token confirms nothing', async () => {
    const { test, sent } = await gatewayWithMail()
    const browser = createWebClient(test.gateway)
    await browser.get('/app/signup')
    await browser.post('/app/signup', { email: 'again@example.com', password })
    const resent = await browser.post('/app/verify/resend', {})
    expect(resent.status).toBe(200)
    expect(sent).toHaveLength(2)
    expect((await browser.get('/app/verify?token=madeup')).status).toBe(400)
    expect(await balanceOf(test, 'again@example.com')).toBe(0)
    expect((await browser.get(linkIn(sent[1])!)).status).toBe(200)
    expect(await balanceOf(test, 'again@example.com')).toBe(2_000_000)
  })
})

describe('password reset', () => {
  test('a mailed link sets a new password once, ends every session, and the old password stops working', async () => {
    const { test, sent } = await gatewayWithMail()
    const owner = createWebClient(test.gateway, { address: '192.0.2.40' })
    await owner.get('/app/signup')
    await owner.post('/app/signup', { email: 'forgetful@example.com', password })
    expect((await owner.get('/app/keys')).status).toBe(200)

    const browser = createWebClient(test.gateway, { address: '192.0.2.41' })
    await browser.get('/app/reset')
    const asked = await browser.post('/app/reset', { email: 'Forgetful@example.com' })
    expect(asked.text).toContain('If an account uses this address')
    const link = linkIn(sent.at(-1))!
    expect(link).toStartWith('/app/reset/confirm?token=')
    const form = await browser.get(link)
    expect(form.status).toBe(200)
    const token = new URLSearchParams(link.split('?')[1]).get('token')!
    const changed = await browser.post('/app/reset/confirm', { token, password: 'a brand new passphrase' })
    expect(changed.status).toBe(303)
    expect(changed.location).toBe('/app/login?reset=1')
    // The session that was open before is over.
    expect((await owner.get('/app/keys')).location).toBe('/app/login')
    // The link is spent.
    expect((await browser.get(link)).status).toBe(400)
    await browser.get('/app/login')
    expect((await browser.post('/app/login', { email: 'forgetful@example.com', password })).status).toBe(401)
    expect((await browser.post('/app/login', { email: 'forgetful@example.com', password: 'a brand new passphrase' })).status).toBe(303)
  })

  test('an unknown address gets the same answer and no mail; a link older than an hour opens nothing', async () => {
    const { test, sent, clock } = await gatewayWithMail()
    const browser = createWebClient(test.gateway)
    await browser.get('/app/signup')
    await browser.post('/app/signup', { email: 'late@example.com', password })
    const mailsAfterSignup = sent.length
    await browser.get('/app/reset')
    const unknown = await browser.post('/app/reset', { email: 'nobody@example.com' })
    const known = await browser.post('/app/reset', { email: 'late@example.com' })
    expect(unknown.status).toBe(known.status)
    expect(unknown.text.replace(/value="[^"]*"/g, '')).toBe(known.text.replace(/value="[^"]*"/g, ''))
    expect(sent).toHaveLength(mailsAfterSignup + 1)
    clock.advance(3_600_000)
    expect((await browser.get(linkIn(sent.at(-1))!)).status).toBe(400)
  })

  test('without mail set up, there is no reset page and no link to one', async () => {
    const test = await createTestGateway(undefined)
    opened.push(test)
    const browser = createWebClient(test.gateway)
    expect((await browser.get('/app/reset')).status).toBe(404)
    expect((await browser.get('/app/login')).text).not.toContain('/app/reset')
  })
})

test('over SMTP: nodemailer delivers the confirmation to an SMTP server', async () => {
  const received: Array<{ to: string[]; data: string }> = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let data = ''
      stream.on('data', (chunk: Buffer) => (data += chunk.toString()))
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((address) => address.address), data })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as { port: number }).port
  try {
    const test = await createTestGateway(undefined, {
      configure: (file) => Object.assign(file as Record<string, unknown>, { mail: { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Anvat <no-reply@anvat.test>' } }),
    })
    opened.push(test)
    const browser = createWebClient(test.gateway)
    await browser.get('/app/signup')
    const page = await browser.post('/app/signup', { email: 'smtp@example.com', password })
    expect(page.text).toContain('We sent a link to')
    expect(received).toHaveLength(1)
    expect(received[0]!.to).toEqual(['smtp@example.com'])
    expect(received[0]!.data).toContain('From: Anvat <no-reply@anvat.test>')
    expect(received[0]!.data).toContain('/app/verify?token=')
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})
