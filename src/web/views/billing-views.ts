import type { PackConfig } from '../../config/schema.ts'
import { formatMicrosForPeople } from '../../core/money.ts'
import { html, type Html } from '../html.ts'
import { csrfField } from '../layout.ts'
import { formatTime } from './keys-views.ts'
import { spendChart, type SpendRow } from './spend-chart.ts'

/** The billing page: balance, packs, spend chart, credit history and per-request usage. */

type EntryRow = { id: string; kind: string; amountMicros: number; requestId: string | null; note: string | null; createdAtMs: number }
type UsageRow = {
  requestId: string
  keyName: string | null
  model: string
  inputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  outputTokens: number
  costMicros: number
  status: number
  outcome: string
  createdAtMs: number
}

const signedUsd = (micros: number) => (micros < 0 ? `−$${formatMicrosForPeople(-micros)}` : `+$${formatMicrosForPeople(micros)}`)
const entryLabels: Record<string, string> = { grant: 'Credit granted', 'top-up': 'Top-up', settle: 'Request', adjustment: 'Adjustment' }

/** Older/newer links for one paged table, keeping the other table's page. */
function pager(name: 'entries' | 'usage', page: number, hasMore: boolean, otherName: string, otherPage: number): Html {
  const link = (target: number, label: string) => html`<a href="/app/billing?${name}=${target}&amp;${otherName}=${otherPage}#${name}">${label}</a>`
  return html`<nav class="pager" aria-label="${name === 'entries' ? 'Credit history' : 'Usage'} pages">${page > 0 && link(page - 1, '← Newer')}${hasMore && link(page + 1, 'Older →')}</nav>`
}

function packsSection(packs: readonly PackConfig[], checkout: boolean, csrfToken: string): Html {
  if (packs.length === 0) return html`<p class="muted">Top-ups on this gateway are made by its operator.</p>`
  const cards = packs.map((pack) => {
    const credit = Math.round(pack.creditUsd * 1_000_000)
    const price = Math.round(pack.priceUsd * 1_000_000)
    const bonus = credit > price ? html`<p class="notice">${(credit / price).toFixed(credit % price === 0 ? 0 : 1)}× your spend</p>` : ''
    const action = checkout
      ? html`<form method="post" action="/app/billing/checkout">${csrfField(csrfToken)}<input type="hidden" name="pack" value="${pack.id}"><button type="submit" aria-label="Buy $${formatMicrosForPeople(credit)} of credit for $${formatMicrosForPeople(price)}">Buy</button></form>`
      : ''
    return html`<div class="panel"><h3>$${formatMicrosForPeople(credit)} of credit</h3><p>for $${formatMicrosForPeople(price)}</p>${bonus}${action}</div>`
  })
  return html`<div class="packs">${cards}</div>${!checkout && html`<p class="muted">Card payments are not set up on this gateway: its operator adds packs to your account on request.</p>`}`
}

export function billingPage(options: {
  balanceMicros: number
  packs: readonly PackConfig[]
  checkout: boolean
  csrfToken: string
  notice?: string
  problem?: string
  spend: SpendRow[]
  days: string[]
  entries: { rows: EntryRow[]; hasMore: boolean; page: number }
  usage: { rows: UsageRow[]; hasMore: boolean; page: number }
}): Html {
  const byModel = new Map<string, number>()
  for (const row of options.spend) byModel.set(row.model, (byModel.get(row.model) ?? 0) + row.costMicros)
  const modelRows = [...byModel].sort((left, right) => right[1] - left[1])
  return html`<h1>Billing</h1>
${options.notice && html`<p class="notice" role="status">${options.notice}</p>`}
${options.problem && html`<p class="error" role="alert">${options.problem}</p>`}
<section class="panel" aria-labelledby="balance-title">
<h2 id="balance-title">Balance</h2>
<p class="balance" id="balance">$${formatMicrosForPeople(options.balanceMicros)}</p>
<p class="muted">Prepaid credit, shared by all keys of this account. Each request is charged what it used.</p>
</section>
<h2>Prepaid packs</h2>
${packsSection(options.packs, options.checkout, options.csrfToken)}
<h2>Spend, last ${options.days.length} days</h2>
${spendChart(options.spend, options.days)}
<table>
<caption class="skip">Spend by model, last ${options.days.length} days</caption>
<thead><tr><th scope="col">Model</th><th scope="col" class="number">Spend</th></tr></thead>
<tbody>${modelRows.length === 0 ? html`<tr><td colspan="2">Nothing yet.</td></tr>` : modelRows.map(([model, micros]) => html`<tr><td>${model}</td><td class="number">$${formatMicrosForPeople(micros)}</td></tr>`)}</tbody>
</table>
<h2 id="usage">Requests</h2>
<table>
<thead><tr><th scope="col">Time</th><th scope="col">Key</th><th scope="col">Model</th><th scope="col" class="number">Input</th><th scope="col" class="number">Cached</th><th scope="col" class="number">Output</th><th scope="col" class="number">Cost</th><th scope="col">Status</th></tr></thead>
<tbody>
${options.usage.rows.length === 0 ? html`<tr><td colspan="8">No requests yet.</td></tr>` : options.usage.rows.map((row) => html`<tr class="usage-row"><td>${formatTime(row.createdAtMs)}</td><td>${row.keyName ?? '—'}</td><td>${row.model}</td><td class="number">${row.inputTokens + row.cacheWriteTokens}</td><td class="number">${row.cacheReadTokens}</td><td class="number">${row.outputTokens}</td><td class="number">$${formatMicrosForPeople(row.costMicros)}</td><td>${row.status} ${row.outcome}</td></tr>`)}
</tbody>
</table>
${pager('usage', options.usage.page, options.usage.hasMore, 'entries', options.entries.page)}
<h2 id="entries">Credit history</h2>
<table>
<thead><tr><th scope="col">Time</th><th scope="col">What</th><th scope="col" class="number">Amount</th><th scope="col">Detail</th></tr></thead>
<tbody>
${options.entries.rows.map((row) => html`<tr><td>${formatTime(row.createdAtMs)}</td><td>${entryLabels[row.kind] ?? row.kind}</td><td class="number">${signedUsd(row.amountMicros)}</td><td>${row.note ?? row.requestId ?? ''}</td></tr>`)}
</tbody>
</table>
${pager('entries', options.entries.page, options.entries.hasMore, 'usage', options.usage.page)}`
}
