/**
 * Signup, sign-in and sign-out at /app: the $2 grant exactly once, the session cookie's attributes, CSRF refusals,
 * the per-address attempt limit, wrong passwords, and sessions ending at their expiry and at sign-out.
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { accounts, ledgerEntries, sessions, users } from '../../src/ledger/schema.ts'
import { createFakeClock } from '../support/clock.ts'
import { createTestGateway, type TestGateway } from '../support/gateway.ts'
import { createWebClient, shownKeyOf } from '../support/web-client.ts'

const password = 'correct horse battery'
let opened: TestGateway[] = []

async function gatewayWith(accountsConfig: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const clock = createFakeClock()
  const test = await createTestGateway(undefined, {
    now: clock.now,
    configure: (file) => Object.assign(file as Record<string, unknown>, { accounts: accountsConfig, ...extra }),
  })
  opened.push(test)
  return { test, clock }
}

afterEach(async () => {
  for (const test of opened) await test.close()
  opened = []
})

async function signUp(test: TestGateway, email: string, address = '192.0.2.10') {
  const browser = createWebClient(test.gateway, { address })
  await browser.get('/app/signup')
  const page = await browser.post('/app/signup', { email, password })
  return { browser, page }
}

const accountOf = async (test: TestGateway, email: string) => {
  const [user] = await test.connection.database.select().from(users).where(eq(users.email, email))
  return user?.accountId
}

describe('signup', () => {
  test('creates the account with $2 of credit and a first key shown once, and signs the user in', async () => {
    const { test } = await gatewayWith()
    const { browser, page } = await signUp(test, ' Ada@Example.com ')
    expect(page.status).toBe(201)
    expect(page.text).toContain('$2.00</strong> of credit')
    const key = shownKeyOf(page.text)
    expect(key).toMatch(/^anv_[A-Za-z0-9]{40}$/)
    const accountId = await accountOf(test, 'ada@example.com')
    expect(accountId).toBeDefined()
    expect((await test.ledger.balance(accountId!))?.balanceMicros).toBe(2_000_000)

    // The key works against the API at once and draws on the account.
    const balance = await test.handle('/v1/balance', { headers: { authorization: `Bearer ${key}` } })
    expect(await balance.json()).toMatchObject({ balance_usd: 2 })

    // The session cookie: HttpOnly, SameSite=Lax, scoped to /app, not Secure over plain HTTP.
    const sessionCookie = browser.lastSetCookies().find((line) => line.startsWith('anvat_session='))!
    expect(sessionCookie).toContain('HttpOnly')
    expect(sessionCookie).toContain('SameSite=Lax')
    expect(sessionCookie).toContain('Path=/app')
    expect(sessionCookie).not.toContain('Secure')
    const keysPage = await browser.get('/app/keys')
    expect(keysPage.status).toBe(200)
    expect(keysPage.text).toContain('ada@example.com')
    // Afterwards only the prefix is ever shown.
    expect(keysPage.text).not.toContain(key!)
    expect(keysPage.text).toContain(key!.slice(0, 12))
  })

  test('the grant happens once: a second signup with the same address is refused and grants nothing', async () => {
    const { test } = await gatewayWith()
    await signUp(test, 'bob@example.com')
    const again = await signUp(test, 'BOB@example.com', '192.0.2.11')
    expect(again.page.status).toBe(409)
    expect(again.page.text).toContain('already exists')
    expect(shownKeyOf(again.page.text)).toBeUndefined()
    const accountId = await accountOf(test, 'bob@example.com')
    const grants = await test.connection.database.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId!))
    expect(grants.map((entry) => [entry.kind, entry.amountMicros])).toEqual([['grant', 2_000_000]])
    expect(await test.connection.database.select().from(users)).toHaveLength(1)
  })

  test('signupCreditUsd sets the grant; Secure cookies behind a TLS proxy', async () => {
    const { test } = await gatewayWith({}, { signupCreditUsd: 0.5 })
    const browser = createWebClient(test.gateway)
    await browser.get('/app/signup')
    const page = await browser.post('/app/signup', { email: 'cy@example.com', password }, { 'x-forwarded-proto': 'https' })
    expect(page.status).toBe(201)
    expect(browser.lastSetCookies().find((line) => line.startsWith('anvat_session='))).toContain('Secure')
    expect((await test.ledger.balance((await accountOf(test, 'cy@example.com'))!))?.balanceMicros).toBe(500_000)
  })

  test('a weak password or a malformed address is explained, and nothing is created', async () => {
    const { test } = await gatewayWith()
    const browser = createWebClient(test.gateway)
    await browser.get('/app/signup')
    const short = await browser.post('/app/signup', { email: 'dee@example.com', password: 'short' })
    expect(short.status).toBe(400)
    expect(short.text).toContain('at least 8 characters')
    const malformed = await browser.post('/app/signup', { email: 'not-an-address', password })
    expect(malformed.status).toBe(400)
    expect(malformed.text).toContain('valid email')
    expect(await test.connection.database.select().from(users)).toHaveLength(0)
  })

  test('closed signup refuses the form', async () => {
    const { test } = await gatewayWith({ signup: false })
    const { page } = await signUp(test, 'eve@example.com')
    expect(page.status).toBe(403)
    expect(await test.connection.database.select().from(accounts).where(eq(accounts.name, 'eve@example.com'))).toHaveLength(0)
  })
})

describe('CSRF', () => {
  test('a signup without the form token, with a token not matching the cookie, or from another origin is refused', async () => {
    const { test } = await gatewayWith()
    const browser = createWebClient(test.gateway)
    await browser.get('/app/signup')
    expect((await browser.post('/app/signup', { email: 'f@example.com', password, csrf: null })).status).toBe(403)
    expect((await browser.post('/app/signup', { email: 'f@example.com', password, csrf: 'A'.repeat(32) })).status).toBe(403)
    await browser.get('/app/signup')
    expect((await browser.post('/app/signup', { email: 'f@example.com', password }, { origin: 'https://evil.example' })).status).toBe(403)
    // A browser that never loaded the form has no cookie to match.
    const stranger = createWebClient(test.gateway)
    expect((await stranger.post('/app/signup', { email: 'f@example.com', password, csrf: 'A'.repeat(32) })).status).toBe(403)
    expect(await test.connection.database.select().from(users)).toHaveLength(0)
  })

  test('a signed-in form without the session’s token changes nothing', async () => {
    const { test } = await gatewayWith()
    const { browser } = await signUp(test, 'gus@example.com')
    const accountId = await accountOf(test, 'gus@example.com')
    await browser.get('/app/keys')
    const forged = await browser.post('/app/keys', { name: 'forged', csrf: 'B'.repeat(32) })
    expect(forged.status).toBe(403)
    const crossSite = await browser.post('/app/keys', { name: 'cross-site' }, { origin: 'https://evil.example' })
    expect(crossSite.status).toBe(403)
    const keys = await test.connection.database.query.apiKeys.findMany({ where: (key, { eq: equals }) => equals(key.accountId, accountId!) })
    expect(keys.map((key) => key.name)).toEqual(['default'])
  })
})

describe('sign-in', () => {
  test('the right password signs in; a wrong one or an unknown address gets the same refusal and no session', async () => {
    const { test } = await gatewayWith()
    await signUp(test, 'hal@example.com')
    const browser = createWebClient(test.gateway, { address: '192.0.2.20' })
    await browser.get('/app/login')
    const wrong = await browser.post('/app/login', { email: 'hal@example.com', password: 'not the password' })
    expect(wrong.status).toBe(401)
    expect(wrong.text).toContain('Wrong email or password.')
    const unknown = await browser.post('/app/login', { email: 'nobody@example.com', password })
    expect(unknown.status).toBe(401)
    expect(unknown.text).toContain('Wrong email or password.')
    expect(browser.cookies.has('anvat_session')).toBe(false)
    const right = await browser.post('/app/login', { email: 'HAL@example.com', password })
    expect(right.status).toBe(303)
    expect(right.location).toBe('/app/keys')
    expect((await browser.get('/app/keys')).status).toBe(200)
  })

  test('attempts are limited per address: the next one gets 429 with retry-after, other addresses go on, and a minute later it may try again', async () => {
    const { test, clock } = await gatewayWith({ attemptsPerMinute: 3 })
    await signUp(test, 'ida@example.com', '198.51.100.1')
    const browser = createWebClient(test.gateway, { address: '192.0.2.30' })
    await browser.get('/app/login')
    for (let attempt = 0; attempt < 3; attempt++) expect((await browser.post('/app/login', { email: 'ida@example.com', password: 'guess' })).status).toBe(401)
    const limited = await browser.post('/app/login', { email: 'ida@example.com', password })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBe(60)
    expect(browser.cookies.has('anvat_session')).toBe(false)
    const elsewhere = createWebClient(test.gateway, { address: '192.0.2.31' })
    await elsewhere.get('/app/login')
    expect((await elsewhere.post('/app/login', { email: 'ida@example.com', password })).status).toBe(303)
    // Signup counts against the same limit.
    await browser.get('/app/signup')
    expect((await browser.post('/app/signup', { email: 'jo@example.com', password })).status).toBe(429)
    clock.advance(60_000)
    await browser.get('/app/login')
    expect((await browser.post('/app/login', { email: 'ida@example.com', password })).status).toBe(303)
  })

  test('a session ends at its expiry: the pages then send the browser to sign in', async () => {
    const { test, clock } = await gatewayWith({ sessionHours: 1 })
    const { browser } = await signUp(test, 'kay@example.com')
    expect((await browser.get('/app/keys')).status).toBe(200)
    clock.advance(3_600_000 - 1)
    expect((await browser.get('/app/keys')).status).toBe(200)
    clock.advance(1)
    const expired = await browser.get('/app/keys')
    expect(expired.status).toBe(303)
    expect(expired.location).toBe('/app/login')
    expect(await test.connection.database.select().from(sessions)).toHaveLength(0)
  })

  test('sign-out ends the session on the server, so the old cookie opens nothing', async () => {
    const { test } = await gatewayWith()
    const { browser } = await signUp(test, 'lee@example.com')
    const stolenCookie = browser.cookies.get('anvat_session')!
    await browser.get('/app/keys')
    const out = await browser.post('/app/logout', {})
    expect(out.status).toBe(303)
    expect(browser.cookies.has('anvat_session')).toBe(false)
    const replay = createWebClient(test.gateway)
    replay.cookies.set('anvat_session', stolenCookie)
    expect((await replay.get('/app/keys')).location).toBe('/app/login')
  })
})

describe('pages', () => {
  test('every page links only the gateway’s own stylesheet and script, under a CSP that allows nothing else', async () => {
    const { test } = await gatewayWith()
    const { browser } = await signUp(test, 'max@example.com')
    for (const path of ['/app/signup', '/app/login', '/app/keys']) {
      const page = await browser.get(path)
      if (page.status === 303) continue
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'")
      const references = [...page.text.matchAll(/(?:href|src|action)="([^"]+)"/g)].map((match) => match[1]!)
      expect(references.filter((reference) => !reference.startsWith('/') && !reference.startsWith('#'))).toEqual([])
    }
    const style = await test.gateway.app.handle(new Request('http://anvat.test/app/style.css'))
    expect(style.headers.get('content-type')).toContain('text/css')
    expect(await style.text()).not.toMatch(/url\(|@import/)
  })
})
