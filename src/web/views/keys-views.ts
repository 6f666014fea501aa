import type { AccountKey } from '../../accounts/account-keys.ts'
import { keyNameLengthMax } from '../../accounts/account-keys.ts'
import { formatMicrosForPeople } from '../../core/money.ts'
import type { EffectiveLimits } from '../../routes/limits-guard.ts'
import { html, type Html } from '../html.ts'
import { csrfField } from '../layout.ts'
import { keyShownOnce } from './account-views.ts'

/** The keys page: the account's keys with their use and limits, and the forms that change them. */

export const formatTime = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC')

function limitsText(limits: EffectiveLimits): string {
  const parts = [
    limits.rpm === null ? undefined : `${limits.rpm} requests/min`,
    limits.concurrency === null ? undefined : `${limits.concurrency} at once`,
    limits.windowSpendMicros === null ? undefined : `$${formatMicrosForPeople(limits.windowSpendMicros)} per ${limits.windowMs / 3_600_000} h`,
  ].filter((part) => part !== undefined)
  return parts.length === 0 ? 'none' : parts.join(', ')
}

function keyRow(key: AccountKey, limits: EffectiveLimits, csrfToken: string): Html {
  const active = key.revokedAtMs === null
  const actions = active
    ? html`<form class="inline" method="post" action="/app/keys/${key.id}/rename">${csrfField(csrfToken)}<label class="skip" for="name-${key.id}">New name for ${key.name}</label><input id="name-${key.id}" name="name" type="text" required maxlength="${keyNameLengthMax}" value="${key.name}" size="12"> <button class="secondary" type="submit">Rename</button></form>
<form class="inline" method="post" action="/app/keys/${key.id}/regenerate">${csrfField(csrfToken)}<button class="secondary" type="submit" aria-label="Regenerate ${key.name}">Regenerate</button></form>
<form class="inline" method="post" action="/app/keys/${key.id}/revoke">${csrfField(csrfToken)}<button class="danger" type="submit" aria-label="Revoke ${key.name}">Revoke</button></form>`
    : html`<span>Revoked ${formatTime(key.revokedAtMs)}</span>`
  return html`<tr${active ? '' : html` class="revoked"`}>
<td>${key.name}</td><td><code>${key.keyPrefix}…</code></td><td>${formatTime(key.createdAtMs)}</td><td>${formatTime(key.lastUsedAtMs)}</td>
<td>${limitsText(limits)}</td><td class="number">$${formatMicrosForPeople(key.spentMicros)}</td><td>${actions}</td>
</tr>`
}

export function keysPage(options: {
  keys: AccountKey[]
  limitsOf: (key: AccountKey) => EffectiveLimits
  csrfToken: string
  balanceMicros: number
  /** A key just made or regenerated, in clear, shown once. */
  shown?: { key: string; name: string }
  notice?: string
  problem?: string
}): Html {
  return html`<h1>API keys</h1>
<p>Balance: <strong>$${formatMicrosForPeople(options.balanceMicros)}</strong>, shared by all keys of this account. <a href="/app/billing">Billing</a></p>
${options.shown && keyShownOnce(options.shown.key, options.shown.name)}
${options.notice && html`<p class="notice" role="status">${options.notice}</p>`}
${options.problem && html`<p class="error" role="alert">${options.problem}</p>`}
<form class="panel" method="post" action="/app/keys">
${csrfField(options.csrfToken)}
<label for="new-key-name">New key name</label>
<input id="new-key-name" name="name" type="text" required maxlength="${keyNameLengthMax}" placeholder="laptop, ci, claude-code">
<div class="actions"><button type="submit">Create key</button></div>
</form>
<table>
<caption class="skip">Your API keys</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Limits</th><th scope="col" class="number">Spent</th><th scope="col">Actions</th></tr></thead>
<tbody>
${options.keys.length === 0 ? html`<tr><td colspan="7">No keys yet.</td></tr>` : options.keys.map((key) => keyRow(key, options.limitsOf(key), options.csrfToken))}
</tbody>
</table>`
}
