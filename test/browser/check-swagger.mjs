// Judges what swagger.sh collected: node test/browser/check-swagger.mjs ARTIFACT_DIR ORIGIN OPENAPI_JSON
// Fails unless the page shows one block per operation and every path, a screenshot exists, the page fetched nothing
// but the gateway, and Chromium logged no Content-Security-Policy violation.
import { readFileSync } from 'node:fs'

const [artifacts, origin, openApiPath] = process.argv.slice(2)
const failures = []

const dom = readFileSync(`${artifacts}/swagger.dom.html`, 'utf8')
const document = JSON.parse(readFileSync(openApiPath, 'utf8'))
const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])
const operations = Object.values(document.paths).flatMap((item) => Object.keys(item).filter((key) => methods.has(key)))
const blocks = (dom.match(/class="opblock opblock-/g) ?? []).length
if (blocks !== operations.length) failures.push(`${blocks} operation blocks shown, ${operations.length} in /openapi.json`)
for (const path of Object.keys(document.paths)) {
  if (!dom.includes(`data-path="${path}"`)) failures.push(`path not listed: ${path}`)
}

const png = readFileSync(`${artifacts}/swagger.png`)
if (png.length < 10_000 || png.readUInt32BE(0) !== 0x89504e47) failures.push('no screenshot')

// The page's own requests carry its site in their network isolation key. Chromium's background traffic (component
// updates, network time) carries none; it is refused by the resolver rules and the dead proxy all the same.
const netlog = JSON.parse(readFileSync(`${artifacts}/swagger.netlog.json`, 'utf8'))
const startJob = netlog.constants.logEventTypes.URL_REQUEST_START_JOB
const site = `${new URL(origin).protocol}//${new URL(origin).hostname}`
const pageUrls = [
  ...new Set(
    netlog.events
      .filter((event) => event.type === startJob && typeof event.params?.url === 'string')
      .filter((event) => String(event.params.network_isolation_key ?? '').startsWith(site))
      .map((event) => event.params.url),
  ),
]
const foreign = pageUrls.filter((url) => !url.startsWith(`${origin}/`))
if (foreign.length > 0) failures.push(`the page requested more than the gateway: ${foreign.join(', ')}`)
if (!pageUrls.includes(`${origin}/openapi.json`)) failures.push('the page never fetched /openapi.json')
// And the blocks held: every connection Chromium tried, its own included, went to loopback.
const connectAttempt = netlog.constants.logEventTypes.TCP_CONNECT_ATTEMPT
const addresses = new Set(netlog.events.filter((event) => event.type === connectAttempt && event.params?.address).map((event) => event.params.address))
const outside = [...addresses].filter((address) => !address.startsWith('127.'))
if (outside.length > 0) failures.push(`Chromium connected beyond loopback: ${outside.join(', ')}`)

const log = readFileSync(`${artifacts}/swagger-chromium.log`, 'utf8')
const violations = log.split('\n').filter((line) => /Content.Security.Policy/i.test(line))
if (violations.length > 0) failures.push(`CSP violations:\n${violations.join('\n')}`)

console.log(`swagger: ${blocks} operations shown; the page fetched ${pageUrls.length} URLs (${foreign.length} beyond ${origin})`)
if (failures.length > 0) {
  console.error(failures.map((failure) => `swagger: ${failure}`).join('\n'))
  process.exit(1)
}
