/*
 * A conservative input-token estimate for reserving credit before the upstream has counted anything: it should
 * come out at or above the upstream's own figure, so a hold covers the real cost. Tokenizers used by the vendors
 * average three to four bytes a token on prose and code, and about one token per CJK character (three bytes), so
 * half a token per UTF-8 byte of the request body (JSON syntax included) is above them. Base64 media is the
 * exception, priced by the image rather than by its bytes: each long base64 run counts as one image at the most any
 * vendor charges for one.
 */

/** A run this long can only be encoded media (images, PDFs). */
const base64RunCharactersMin = 2048
const base64Run = new RegExp(`[A-Za-z0-9+/=]{${base64RunCharactersMin},}`, 'g')
/** The most tokens one image costs on the vendors' published formulas (Anthropic ~1,600, OpenAI high detail ~1,100). */
const imageTokensMax = 2_000
/** Fixed prompt overhead the vendors add (tool-use system text, message framing). */
const overheadTokens = 512

/** Estimated input tokens for a request body. */
export function estimateInputTokens(bodyText: string): number {
  let mediaRuns = 0
  let mediaCharacters = 0
  if (bodyText.length >= base64RunCharactersMin) {
    for (const match of bodyText.matchAll(base64Run)) {
      mediaRuns++
      mediaCharacters += match[0].length
    }
  }
  const textBytes = Buffer.byteLength(bodyText) - mediaCharacters
  return Math.ceil(textBytes / 2) + mediaRuns * imageTokensMax + overheadTokens
}

/** Output tokens in delivered text when the upstream never said: about four characters a token, rounded up. */
export function estimateOutputTokens(characters: number): number {
  return Math.ceil(characters / 4)
}
