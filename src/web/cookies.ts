import type { ResolvedAccountsConfig } from '../config/schema.ts'

/*
 * The self-serve pages' two cookies, both HttpOnly, SameSite=Lax, scoped to /app, and Secure when the page was
 * reached over TLS (directly, through a proxy that says so in x-forwarded-proto, or by a configured https publicUrl):
 *
 * - `anvat_session`: the session token, for as long as the session lasts;
 * - `anvat_form`: a random token that the signup and sign-in forms also carry in a hidden field (a double-submit
 *   CSRF token), since there is no session yet to hold one.
 */

export const sessionCookieName = 'anvat_session'
export const formCookieName = 'anvat_form'

/** The cookies a request sends, by name (the first of a repeated name wins). */
export function readCookies(request: Request): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const separator = part.indexOf('=')
    if (separator < 0) continue
    const name = part.slice(0, separator).trim()
    if (name === '' || cookies.has(name)) continue
    try {
      cookies.set(name, decodeURIComponent(part.slice(separator + 1).trim()))
    } catch {
      // A malformed value is ignored, as if the cookie were not sent.
    }
  }
  return cookies
}

/** Whether the browser reached this page over TLS. */
export function isSecureRequest(request: Request, accounts: ResolvedAccountsConfig): boolean {
  if (accounts.publicUrl?.startsWith('https:')) return true
  if (new URL(request.url).protocol === 'https:') return true
  return request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https'
}

/** A Set-Cookie value; `maxAgeSeconds` 0 deletes the cookie. */
export function cookie(name: string, value: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/app', `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`, 'HttpOnly', 'SameSite=Lax']
  if (options.secure) parts.push('Secure')
  return parts.join('; ')
}
