/**
 * /app/billing after real traffic: the balance the ledger holds, one usage row per request (newest first, 25 a
 * page, with links between pages), the credit history, and the spend chart for the model used.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { formatMicrosForPeople } from '../../src/core/money.ts'
import { createTestGateway, type TestGateway } from '../support/gateway.ts'
import { createWebClient, shownKeyOf, type WebClient } from '../support/web-client.ts'

let gateway: TestGateway
let browser: WebClient
let key: string

beforeAll(async () => {
  gateway = await createTestGateway(undefined)
  browser = createWebClient(gateway.gateway)
  await browser.get('/app/signup')
  key = shownKeyOf((await browser.post('/app/signup', { email: 'spender@example.com', password: 'correct horse battery' })).text)!
})
afterAll(() => gateway.close())

async function echo(index: number) {
  const response = await gateway.handle('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'anvat-echo', messages: [{ role: 'user', content: `request number ${index}` }] }),
  })
  expect(response.status).toBe(200)
  await response.text()
  // Back to back in one process no timer runs between requests, so the ledger's group commit (which releases each
  // hold a few ms after its answer) is flushed here, as the event loop would between network requests.
  await gateway.ledger.flush()
}

const usageRows = (page: string) => [...page.matchAll(/<tr class="usage-row">([\s\S]*?)<\/tr>/g)].map((match) => match[1]!)

test('a new account shows its $2.00, the grant in its history, and no requests yet', async () => {
  const page = await browser.get('/app/billing')
  expect(page.status).toBe(200)
  expect(page.text).toContain('<p class="balance" id="balance">$2.00</p>')
  expect(page.text).toContain('No requests yet.')
  expect(page.text).toMatch(/Credit granted<\/td><td class="number">\+\$2\.00<\/td><td>signup credit/)
  expect(page.text).toContain('No spend in these 30 days.')
})

test('after 27 requests: the balance the ledger holds, 25 rows on the first page and 2 on the next, and the chart', async () => {
  for (let index = 0; index < 27; index++) await echo(index)
  await gateway.ledger.flush()
  const accountId = (await gateway.connection.client.query<{ account_id: string }>({ sql: "SELECT account_id FROM users WHERE email = 'spender@example.com'", args: [] }))[0]!.account_id
  const balance = (await gateway.ledger.balance(accountId))!.balanceMicros
  expect(balance).toBeLessThan(2_000_000)

  const first = await browser.get('/app/billing')
  expect(first.text).toContain(`<p class="balance" id="balance">$${formatMicrosForPeople(balance)}</p>`)
  const rows = usageRows(first.text)
  expect(rows).toHaveLength(25)
  expect(rows.every((row) => row.includes('<td>default</td><td>anvat-echo</td>') && row.includes('200 '))).toBe(true)
  expect(first.text).toContain('href="/app/billing?usage=1&amp;entries=0#usage"')
  // The chart: one series for the model, titled per day, and the per-model table with the same total.
  expect(first.text).toContain('role="img"')
  expect(first.text).toMatch(/<title>\d{4}-\d{2}-\d{2} · anvat-echo: \$[0-9.]+<\/title>/)
  expect(first.text).toContain(`<tr><td>anvat-echo</td><td class="number">$${formatMicrosForPeople(2_000_000 - balance)}</td></tr>`)

  const second = await browser.get('/app/billing?usage=1&entries=0')
  expect(usageRows(second.text)).toHaveLength(2)
  expect(second.text).toContain('href="/app/billing?usage=0&amp;entries=0#usage"')
  expect(second.text).not.toContain('href="/app/billing?usage=2')
})

test('a page number that is not one shows the first page', async () => {
  for (const query of ['usage=-1', 'usage=abc', 'usage=1e9', 'entries=%00']) {
    const page = await browser.get(`/app/billing?${query}`)
    expect(page.status).toBe(200)
  }
})
