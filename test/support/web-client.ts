/**
 * A minimal browser for route tests of the self-serve pages: it keeps cookies from Set-Cookie, reads the CSRF token
 * from the last page it got, posts url-encoded forms, and says which address it comes from. No port: it calls
 * `app.handle` directly, as other route tests do.
 */
import type { Gateway } from '../../src/server/app.ts'

export type WebClient = {
  get: (path: string, headers?: Record<string, string>) => Promise<WebPage>
  /** Posts a form; `csrf` is added from the last page unless the fields carry their own (or `null` to send none). */
  post: (path: string, fields: Record<string, string | null>, headers?: Record<string, string>) => Promise<WebPage>
  cookies: Map<string, string>
  /** The Set-Cookie lines of the last response. */
  lastSetCookies: () => string[]
  /** The address requests come from (for the per-address attempt limit). */
  address: string
}

export type WebPage = { status: number; headers: Headers; text: string; location: string | null }

/** Each gateway's table of which client sent which request, standing in for the server's peer address. */
const addressTables = new WeakMap<Gateway, WeakMap<Request, string>>()

export function createWebClient(gateway: Gateway, options: { origin?: string; address?: string } = {}): WebClient {
  const addressOf = addressTables.get(gateway) ?? new WeakMap<Request, string>()
  if (!addressTables.has(gateway)) {
    addressTables.set(gateway, addressOf)
    gateway.peerAddress.lookup = (request) => addressOf.get(request)
  }
  const origin = options.origin ?? 'http://anvat.test'
  const cookies = new Map<string, string>()
  let lastText = ''
  let setCookies: string[] = []
  const client: WebClient = {
    cookies,
    address: options.address ?? '192.0.2.10',
    lastSetCookies: () => setCookies,
    get: (path, headers = {}) => send(new Request(`${origin}${path}`, { headers: withCookies(headers) })),
    post: (path, fields, headers = {}) => {
      const body = new URLSearchParams()
      const withToken = 'csrf' in fields ? fields : { ...fields, csrf: csrfOf(lastText) }
      for (const [name, value] of Object.entries(withToken)) if (value !== null && value !== undefined) body.set(name, value)
      return send(
        new Request(`${origin}${path}`, {
          method: 'POST',
          headers: withCookies({ 'content-type': 'application/x-www-form-urlencoded', ...headers }),
          body: body.toString(),
        }),
      )
    },
  }
  const withCookies = (headers: Record<string, string>) => {
    const cookieHeader = [...cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; ')
    return cookieHeader === '' ? headers : { cookie: cookieHeader, ...headers }
  }
  const send = async (request: Request): Promise<WebPage> => {
    addressOf.set(request, client.address)
    const response = await gateway.app.handle(request)
    setCookies = response.headers.getSetCookie()
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';')
      const separator = pair!.indexOf('=')
      const name = pair!.slice(0, separator).trim()
      const value = decodeURIComponent(pair!.slice(separator + 1).trim())
      if (attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute))) cookies.delete(name)
      else cookies.set(name, value)
    }
    const text = await response.text()
    if (text !== '') lastText = text
    return { status: response.status, headers: response.headers, text, location: response.headers.get('location') }
  }
  return client
}

/** The CSRF token of a page's first form. */
export function csrfOf(page: string): string | undefined {
  return /name="csrf" value="([^"]+)"/.exec(page)?.[1]
}

/** A key shown once on a page (`anv_…`). */
export function shownKeyOf(page: string): string | undefined {
  return /id="new-key">(anv_[A-Za-z0-9]+)</.exec(page)?.[1]
}
