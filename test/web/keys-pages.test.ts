/**
 * /app/keys: creating, renaming, revoking and regenerating keys from the browser, each key shown in clear once;
 * a revoked key refused by the API at once (not when the key cache would have expired); no account reaching
 * another's keys.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createTestGateway, type TestGateway } from '../support/gateway.ts'
import { createWebClient, shownKeyOf, type WebClient } from '../support/web-client.ts'

const password = 'correct horse battery'
let gateway: TestGateway

beforeAll(async () => {
  gateway = await createTestGateway(undefined)
})
afterAll(() => gateway.close())

async function signedIn(email: string): Promise<{ browser: WebClient; firstKey: string }> {
  const browser = createWebClient(gateway.gateway, { address: `192.0.2.${Math.floor(Math.random() * 200) + 1}` })
  await browser.get('/app/signup')
  const page = await browser.post('/app/signup', { email, password })
  expect(page.status).toBe(201)
  await browser.get('/app/keys')
  return { browser, firstKey: shownKeyOf(page.text)! }
}

const apiStatus = async (key: string) => (await gateway.handle('/v1/balance', { headers: { authorization: `Bearer ${key}` } })).status
const keyIdsOf = (page: string) => [...page.matchAll(/action="\/app\/keys\/(key_[A-Za-z0-9]+)\/revoke"/g)].map((match) => match[1]!)

describe('/app/keys', () => {
  test('creates a named key, shown once, that works at once', async () => {
    const { browser } = await signedIn('one@example.com')
    const created = await browser.post('/app/keys', { name: 'laptop' })
    expect(created.status).toBe(201)
    const key = shownKeyOf(created.text)!
    expect(created.text).toContain('Your new key “laptop”')
    expect(await apiStatus(key)).toBe(200)
    const list = await browser.get('/app/keys')
    expect(list.text).toContain('laptop')
    expect(list.text).not.toContain(key)
    expect(keyIdsOf(list.text)).toHaveLength(2)
  })

  test('a key without a name, or with one too long, is explained and not made', async () => {
    const { browser } = await signedIn('two@example.com')
    expect((await browser.post('/app/keys', { name: '   ' })).status).toBe(400)
    expect((await browser.post('/app/keys', { name: 'x'.repeat(101) })).status).toBe(400)
    expect(keyIdsOf((await browser.get('/app/keys')).text)).toHaveLength(1)
  })

  test('renames a key, escaping what it shows', async () => {
    const { browser } = await signedIn('three@example.com')
    const [keyId] = keyIdsOf((await browser.get('/app/keys')).text)
    const renamed = await browser.post(`/app/keys/${keyId}/rename`, { name: '<script>alert(1)</script>' })
    expect(renamed.status).toBe(200)
    expect(renamed.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(renamed.text).not.toContain('<script>alert(1)')
  })

  test('revoking refuses the key at the API at once, even though it was just used and cached', async () => {
    const { browser, firstKey } = await signedIn('four@example.com')
    expect(await apiStatus(firstKey)).toBe(200)
    const [keyId] = keyIdsOf((await browser.get('/app/keys')).text)
    const revoked = await browser.post(`/app/keys/${keyId}/revoke`, {})
    expect(revoked.status).toBe(200)
    expect(revoked.text).toContain('Key revoked')
    expect(await apiStatus(firstKey)).toBe(401)
    // Revoked keys stay listed, without actions.
    expect(revoked.text).toContain('Revoked ')
    expect(keyIdsOf(revoked.text)).toHaveLength(0)
  })

  test('regenerating gives a new key with the same name and revokes the old one', async () => {
    const { browser, firstKey } = await signedIn('five@example.com')
    expect(await apiStatus(firstKey)).toBe(200)
    const [keyId] = keyIdsOf((await browser.get('/app/keys')).text)
    const regenerated = await browser.post(`/app/keys/${keyId}/regenerate`, {})
    expect(regenerated.status).toBe(201)
    const fresh = shownKeyOf(regenerated.text)!
    expect(fresh).not.toBe(firstKey)
    expect(regenerated.text).toContain('Your new key “default”')
    expect(await apiStatus(firstKey)).toBe(401)
    expect(await apiStatus(fresh)).toBe(200)
  })

  test('one account cannot rename, revoke or regenerate another’s key', async () => {
    const owner = await signedIn('six@example.com')
    const [ownerKeyId] = keyIdsOf((await owner.browser.get('/app/keys')).text)
    const intruder = await signedIn('seven@example.com')
    for (const action of ['rename', 'revoke', 'regenerate']) {
      const page = await intruder.browser.post(`/app/keys/${ownerKeyId}/${action}`, { name: 'mine now' })
      expect(page.status).toBe(404)
      expect(shownKeyOf(page.text)).toBeUndefined()
    }
    expect(await apiStatus(owner.firstKey)).toBe(200)
    expect((await owner.browser.get('/app/keys')).text).toContain('>default<')
  })

  test('signed out, the keys page and its forms send the browser to sign in', async () => {
    const stranger = createWebClient(gateway.gateway)
    expect((await stranger.get('/app/keys')).location).toBe('/app/login')
    expect((await stranger.post('/app/keys', { name: 'x', csrf: 'x' })).location).toBe('/app/login')
  })
})
