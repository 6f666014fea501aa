/**
 * The self-serve pages end to end in headless Chromium, against the compiled binary: sign up, create a key, see the
 * opening credit, spend a little of it through the official openai client, and find the charge on the billing page.
 * Every request a page makes must go to the gateway, and any console error (Chromium reports CSP violations there)
 * fails the run.
 *
 *   node_modules/.bin/bun test/browser/self-serve.ts [BINARY] [ARTIFACT_DIR]      (defaults: dist/anvat, .ci/artifacts)
 *
 * Leaves ARTIFACT_DIR/self-serve-*.png (one screenshot per page, and one of the page that failed), self-serve.log (the
 * steps, and every request and console message of the pages) and self-serve-gateway.log, prints one line per passed
 * step, and exits non-zero at the first failure. Run by the repository's pinned bun, not node: puppeteer-core 25 asks
 * for node 22.12 or later.
 */
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import OpenAI from 'openai'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { formatMicrosForPeople, parseUsdToMicros } from '../../src/core/money.ts'

const root = resolve(import.meta.dir, '../..')
const binaryPath = resolve(process.argv[2] ?? join(root, 'dist/anvat'))
const artifacts = resolve(process.argv[3] ?? join(root, '.ci/artifacts'))
const logPath = join(artifacts, 'self-serve.log')
const gatewayLogPath = join(artifacts, 'self-serve-gateway.log')

/** The signup grant of a gateway without a config file. */
const signupCreditMicros = 2_000_000
const keyName = 'browser-test'
const prompt = 'hello from the browser test'
const startWaitMs = 10_000
/** How long a page action or an API call may take before the step fails. */
const actionTimeoutMs = 10_000
/** The gateway may settle a charge a few ms after the answer has gone out. */
const chargeWaitMs = 5_000
const stopWaitMs = 5_000

const expect = (condition: boolean, message: string) => {
  if (!condition) throw new Error(message)
}
const log = (line: string) => appendFileSync(logPath, `${line}\n`)
const usd = (micros: number) => `$${formatMicrosForPeople(micros)}`

/** Starts `anvat serve` in `folder` with a bare environment and returns it with its URL, read from its log. */
async function startGateway(folder: string) {
  // One file description for both streams, so lines interleave as they were written.
  const logFile = openSync(gatewayLogPath, 'w')
  const child = Bun.spawn([binaryPath, 'serve', '--port', '0', '--host', '127.0.0.1', '--db', './self-serve.db'], {
    cwd: folder,
    env: { PATH: process.env.PATH ?? '' },
    stdout: logFile,
    stderr: logFile,
  })
  closeSync(logFile)
  const deadline = Date.now() + startWaitMs
  for (;;) {
    const url = /url=(http:\/\/[0-9.:]+)/.exec(readFileSync(gatewayLogPath, 'utf8'))?.[1]
    if (url !== undefined) return { child, url }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`the binary did not start (see ${gatewayLogPath}):\n${readFileSync(gatewayLogPath, 'utf8')}`)
    }
    await Bun.sleep(50)
  }
}

/** Logs what the page loads and says, and collects what breaks the rules: a request beyond `origin`, a console error. */
function watchPage(page: Page, origin: string) {
  const requestUrls: string[] = []
  const problems: string[] = []
  page.on('request', (request) => {
    requestUrls.push(request.url())
    log(`request ${request.method()} ${request.url()}`)
    // A data: URL has the origin "null", so it counts as outside too.
    if (new URL(request.url()).origin !== origin) problems.push(`the page requested ${request.url()}, outside ${origin}`)
  })
  page.on('response', (response) => log(`response ${response.status()} ${response.url()}`))
  page.on('requestfailed', (request) => log(`failed ${request.url()}: ${request.failure()?.errorText}`))
  page.on('console', (message) => {
    const source = message.location().url ?? ''
    log(`console.${message.type()} ${message.text()}${source === '' ? '' : ` (${source})`}`)
    if (message.type() !== 'error') return
    problems.push(`console error: ${message.text()}${source === '' ? '' : ` (${source})`}`)
  })
  page.on('pageerror', (error) => problems.push(`script error: ${String(error)}`))
  return { requestUrls, problems }
}

const textOf = (page: Page, selector: string) => page.$eval(selector, (element) => (element.textContent ?? '').replace(/\s+/g, ' ').trim())

/** Clicks the submit button of the form that posts to `action`, once it reads `label`; returns the answer's status. */
async function submit(page: Page, action: string, label: string): Promise<number | undefined> {
  // Not puppeteer's ::-p-text(): under bun, RegExp.source escapes the "¶" its selector parser searches for, so every
  // ::-p- selector loses its argument, and ::-p-text(Create key) matches the Sign out button as well.
  const selector = `form[action="${action}"] button[type="submit"]`
  const text = await textOf(page, selector)
  expect(text === label, `the button of the form to ${action} reads "${text}", not "${label}"`)
  const [answer] = await Promise.all([page.waitForNavigation(), page.click(selector)])
  return answer?.status()
}

/** The billing page's balance in micro-USD and its Requests rows, cell by cell. */
async function readBilling(page: Page) {
  const balanceText = await textOf(page, '#balance')
  const rows = await page.$$eval('tr.usage-row', (elements) => elements.map((row) => [...row.querySelectorAll('td')].map((cell) => (cell.textContent ?? '').trim())))
  return { balanceText, balanceMicros: parseUsdToMicros(balanceText.replace(/^\$/, '')), rows }
}

async function run(browser: Browser, origin: string, step: (name: string, action: () => Promise<string>) => Promise<void>) {
  const page = await browser.newPage()
  page.setDefaultTimeout(actionTimeoutMs)
  await page.setViewport({ width: 1280, height: 900 })
  const watched = watchPage(page, origin)
  const screenshot = (name: string) => page.screenshot({ path: join(artifacts, `self-serve-${name}.png`), fullPage: true })
  const checkPage = () => expect(watched.problems.length === 0, watched.problems.join('\n'))
  let apiKey = ''
  let costMicros = 0

  try {
    await step('signup', async () => {
      await page.goto(`${origin}/app/signup`)
      await page.type('#email', 'browser-test@example.com')
      await page.type('#password', 'correct horse battery staple')
      const status = await submit(page, '/app/signup', 'Sign up')
      await screenshot('1-signup')
      expect(status === 201, `the signup answer is ${status}, not 201`)
      const expected = `Your account starts with ${usd(signupCreditMicros)} of credit.`
      // Only the sentence goes in the message: the rest of the page holds a key, which has no place in a CI log.
      const sentence = /Your account starts with .*? of credit\./.exec(await textOf(page, 'main'))?.[0] ?? 'no sentence about the opening credit'
      expect(sentence === expected, `the page says "${sentence}", not "${expected}"`)
      expect(/^anv_[0-9A-Za-z]+$/.test(await textOf(page, '#new-key')), 'no anv_ key in #new-key')
      // The copy button comes from /app/app.js, so it also shows that the page's one script ran under its CSP.
      expect((await page.$('#new-key + button')) !== null, 'no Copy button beside the key: /app/app.js did not run')
      checkPage()
      return `answered 201 with ${usd(signupCreditMicros)} of credit and the first key`
    })

    await step('keys', async () => {
      await page.goto(`${origin}/app/keys`)
      await page.type('#new-key-name', keyName)
      const status = await submit(page, '/app/keys', 'Create key')
      await screenshot('2-keys')
      expect(status === 201, `the answer to Create key is ${status}, not 201`)
      apiKey = await textOf(page, '#new-key')
      expect(/^anv_[0-9A-Za-z]+$/.test(apiKey), `#new-key holds no anv_ key: ${apiKey}`)
      checkPage()
      return `created key "${keyName}"`
    })

    await step('billing before', async () => {
      await page.goto(`${origin}/app/billing`)
      await screenshot('3-billing-before')
      const billing = await readBilling(page)
      expect(billing.balanceMicros === signupCreditMicros, `#balance reads ${billing.balanceText}, not ${usd(signupCreditMicros)}`)
      expect(billing.rows.length === 0, `${billing.rows.length} usage rows before any request`)
      checkPage()
      return `balance ${billing.balanceText}, no usage rows`
    })

    await step('API call', async () => {
      const client = new OpenAI({ baseURL: `${origin}/v1`, apiKey, maxRetries: 0, timeout: actionTimeoutMs })
      const { data, response } = await client.chat.completions
        .create({ model: 'anvat-echo', messages: [{ role: 'user', content: prompt }] })
        .withResponse()
      expect(data.choices.length > 0, `the answer has no choices: ${JSON.stringify(data)}`)
      expect((data.choices[0]?.message.content ?? '').includes(prompt), `the echo model did not echo: ${JSON.stringify(data.choices[0])}`)
      const costHeader = response.headers.get('x-anvat-cost-usd')
      expect(costHeader !== null, 'no x-anvat-cost-usd header on the answer')
      costMicros = parseUsdToMicros(costHeader!) ?? 0
      // A free call would leave the balance unchanged, and the next step would prove nothing.
      expect(costMicros > 0, `x-anvat-cost-usd is "${costHeader}", not a positive amount`)
      return `openai chat.completions answered, x-anvat-cost-usd: ${costHeader}`
    })

    await step('billing after', async () => {
      const expectedMicros = signupCreditMicros - costMicros
      const deadline = Date.now() + chargeWaitMs
      let billing = await readBilling(page)
      while (billing.balanceMicros !== expectedMicros || billing.rows.length !== 1) {
        if (Date.now() > deadline) break
        await Bun.sleep(100)
        await page.reload()
        billing = await readBilling(page)
      }
      await screenshot('5-billing-after')
      expect(
        billing.balanceMicros === expectedMicros,
        `#balance reads ${billing.balanceText} after ${chargeWaitMs} ms, not ${usd(expectedMicros)} (${usd(signupCreditMicros)} less the ${usd(costMicros)} the header reported)`,
      )
      expect(billing.rows.length === 1, `${billing.rows.length} usage rows after one request, not 1`)
      const [, rowKey, rowModel, , , , rowCost] = billing.rows[0]!
      expect(rowKey === keyName && rowModel === 'anvat-echo', `the usage row names key "${rowKey}" and model "${rowModel}", not "${keyName}" and "anvat-echo"`)
      expect(rowCost === usd(costMicros), `the usage row's cost is ${rowCost}, not ${usd(costMicros)}`)
      checkPage()
      return `balance ${billing.balanceText}, one usage row: ${keyName}, anvat-echo, ${rowCost}`
    })

    await step('offline pages', async () => {
      checkPage()
      return `${watched.requestUrls.length} requests, all to ${origin}; no console errors or CSP violations`
    })
  } catch (error) {
    // The page as it was when the step failed; the error itself is reported by the caller.
    await screenshot('failure').catch((screenshotError) => log(`no failure screenshot: ${String(screenshotError)}`))
    throw error
  }
}

async function main() {
  mkdirSync(artifacts, { recursive: true })
  // The folder ignores itself, so screenshots never end up in a commit.
  if (!existsSync(join(artifacts, '.gitignore'))) writeFileSync(join(artifacts, '.gitignore'), '*\n')
  for (const name of readdirSync(artifacts)) if (name.startsWith('self-serve')) rmSync(join(artifacts, name))
  const folder = mkdtempSync(join(tmpdir(), 'anvat-self-serve-'))
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined
  let browser: Browser | undefined
  let current = 'start'
  const stepsTotal = 6
  let stepsPassed = 0
  try {
    const executablePath = Bun.which('chromium') ?? Bun.which('chromium-browser')
    if (executablePath === null) throw new Error('chromium is not installed (apt-get install -y chromium)')
    gateway = await startGateway(folder)
    log(`gateway ${gateway.url}`)
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      // No sandbox, as CI runs as root. Names resolve to nothing but 127.0.0.1 and other addresses go to a proxy that
      // does not exist (Chromium never proxies loopback), so a fetch from elsewhere fails even if the check missed it.
      args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--proxy-server=http://127.0.0.1:9'],
    })
    await run(browser, gateway.url, async (name, action) => {
      current = name
      const summary = await action()
      stepsPassed += 1
      log(`ok ${stepsPassed}/${stepsTotal} ${name}: ${summary}`)
      console.log(`self-serve: ok ${stepsPassed}/${stepsTotal} ${name}: ${summary}`)
    })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    log(`FAIL ${current}: ${message}`)
    console.error(`self-serve: FAIL ${stepsPassed + 1}/${stepsTotal} ${current}: ${message}`)
    console.error(`self-serve: screenshots and logs in ${artifacts}`)
    process.exitCode = 1
  } finally {
    await browser?.close()
    if (gateway !== undefined) {
      gateway.child.kill('SIGTERM')
      const code = await Promise.race([gateway.child.exited, Bun.sleep(stopWaitMs).then(() => 'timeout' as const)])
      if (code !== 0) {
        gateway.child.kill('SIGKILL')
        console.error(`self-serve: FAIL the gateway did not drain and exit 0 on SIGTERM (${code}); see ${gatewayLogPath}`)
        process.exitCode = 1
      }
    }
    rmSync(folder, { recursive: true, force: true })
  }
}

await main()
