import type { Mailer } from '../accounts/mailer.ts'
import type { StripeBilling } from '../billing/stripe-checkout.ts'
import type { Config } from '../config/schema.ts'
import type { LedgerConnection } from '../ledger/database.ts'
import type { Ledger } from '../ledger/ledger.ts'
import type { LimiterStore } from '../limits/limiter-store.ts'
import type { Logger } from '../server/logger.ts'
import { findSession, type Session } from '../accounts/sessions.ts'
import { secretMatches } from '../server/auth.ts'
import { formCookieName, readCookies, sessionCookieName } from './cookies.ts'

/** What the self-serve pages need, passed in by the composition root. */
export type WebDependencies = {
  config: Config
  connection: LedgerConnection
  ledger: Ledger
  now: () => number
  logger: Logger
  /** Drops a revoked key from the gateway's key cache, so it stops working at once. */
  forgetKey: (keyHash: string) => void
  /** The network address a request came from, as the server saw it (undefined in tests without one). */
  peerAddress: (request: Request) => string | undefined
  /** Sign-in and signup attempts per address, in a rolling minute. */
  attempts: LimiterStore
  /** Card payments for packs (Stripe Checkout), when set up; without them the operator grants packs. */
  stripe?: StripeBilling
  /** Mail for address confirmation and password reset, when set up; without it both are off. */
  mailer?: Mailer
}

/** The gateway's address as people reach it: the configured public URL, else the one this request came to. */
export function baseUrlOf(dependencies: Pick<WebDependencies, 'config'>, request: Pick<Request, 'url'>): string {
  return dependencies.config.accounts.publicUrl ?? new URL(request.url).origin
}

/** A submitted form's fields (the body parser turns every /app form into this). */
export type FormFields = Record<string, string>

/** The caller's address for the attempt limit: the peer's, or the first `x-forwarded-for` one when trusted. */
export function clientAddress(dependencies: WebDependencies, request: Request): string {
  if (dependencies.config.accounts.trustForwardedFor) {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim()
    if (forwarded) return forwarded
  }
  return dependencies.peerAddress(request) ?? 'unknown'
}

/** The live session the request's cookie opens, if any. */
export async function sessionOf(dependencies: WebDependencies, request: Request): Promise<Session | undefined> {
  const token = readCookies(request).get(sessionCookieName)
  if (token === undefined || token.length > 128) return undefined
  return findSession(dependencies.connection, token, dependencies.now())
}

/**
 * Whether a form's POST may be acted on: it carries the token its page was rendered with (the session's, or the
 * signed-out forms' cookie), and, when the browser says where it was sent from, it was sent from this gateway.
 */
export function formIsGenuine(request: Request, form: FormFields, expectedToken: string | undefined): boolean {
  const origin = request.headers.get('origin')
  if (origin !== null && origin !== 'null' && origin !== new URL(request.url).origin && !forwardedOriginMatches(request, origin)) return false
  return secretMatches(form.csrf, expectedToken)
}

/** Behind a proxy the request URL is the proxy's upstream one; the browser's Origin then matches the forwarded host. */
function forwardedOriginMatches(request: Request, origin: string): boolean {
  const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim() ?? request.headers.get('host')
  if (!host) return false
  try {
    return new URL(origin).host === host
  } catch {
    return false
  }
}

/** The signed-out forms' token, from the request's cookie. */
export function formCookieToken(request: Request): string | undefined {
  return readCookies(request).get(formCookieName)
}
