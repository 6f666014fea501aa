const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** A random base62 string of `length` characters from the platform CSPRNG (rejection sampling keeps it unbiased). */
export function randomBase62(length: number): string {
  let result = ''
  while (result.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2))
    for (const byte of bytes) {
      // 248 = 62 * 4: bytes at or above it would favour the first characters.
      if (byte < 248) result += alphabet[byte % 62]
      if (result.length === length) break
    }
  }
  return result
}

/** An id for one request through the gateway, in Anthropic's `req_…` style. */
export function newRequestId(): string {
  return `req_${randomBase62(24)}`
}
