import { html, type Html } from './html.ts'

/*
 * The frame of every self-serve page, and the headers every page goes out with: a content security policy that
 * admits only the gateway's own stylesheet and script (no inline code, nothing from elsewhere), no framing, no
 * caching (pages show balances and freshly made keys), and no MIME sniffing.
 */

export const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
} as const

export type PageOptions = {
  title: string
  body: Html
  /** The signed-in user's email and the session's CSRF token, for the header's sign-out form; absent when signed out. */
  signedIn?: { email: string; csrfToken: string }
  /** The nav entry to mark as current. */
  current?: 'keys' | 'billing'
  status?: number
  headers?: Record<string, string>
}

export function renderPage(options: PageOptions): Response {
  const navLink = (href: string, label: string, name: PageOptions['current']) =>
    html`<a href="${href}"${options.current === name ? html` aria-current="page"` : ''}>${label}</a>`
  const header = options.signedIn
    ? html`<header>
  <a class="brand" href="/app/keys">Anvat</a>
  <nav aria-label="Account">${navLink('/app/keys', 'Keys', 'keys')}${navLink('/app/billing', 'Billing', 'billing')}</nav>
  <span class="muted">${options.signedIn.email}</span>
  <form class="inline" method="post" action="/app/logout">${csrfField(options.signedIn.csrfToken)}<button class="secondary" type="submit">Sign out</button></form>
</header>`
    : html`<header><a class="brand" href="/app/login">Anvat</a></header>`
  const document = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Anvat</title>
<link rel="icon" href="/app/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/app/style.css">
<script src="/app/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${header}
<main id="main">
${options.body}
</main>
</body>
</html>
`
  return new Response(document.text, { status: options.status ?? 200, headers: { ...pageHeaders, ...options.headers } })
}

/** The hidden field every form carries its CSRF token in. */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="csrf" value="${token}">`
}

/** A 303 to `location`: after a form's POST, the browser GETs the next page. */
export function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store', ...headers } })
}
