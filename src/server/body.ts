import { fail } from '../core/error.ts'

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/**
 * Reads a request body as UTF-8 text, refusing it once it passes `bodyBytesMax`. The declared content-length is
 * checked before reading, and the stream is counted as it arrives, so a chunked upload cannot exceed the limit either.
 */
export async function readBodyText(request: Request, bodyBytesMax: number): Promise<string> {
  const declaredBytes = Number(request.headers.get('content-length') ?? '0')
  if (declaredBytes > bodyBytesMax) tooLarge(bodyBytesMax)
  if (request.body === null) return ''
  const chunks: Uint8Array[] = []
  let totalBytes = 0
  const reader = request.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    totalBytes += value.byteLength
    if (totalBytes > bodyBytesMax) {
      await reader.cancel()
      tooLarge(bodyBytesMax)
    }
    chunks.push(value)
  }
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, totalBytes)
  try {
    return strictUtf8.decode(bytes)
  } catch {
    // The decoder's own message names no position worth showing; the caller needs only the cause.
    return fail('caller_invalid_request', 'The request body is not valid UTF-8.')
  }
}

function tooLarge(bodyBytesMax: number): never {
  return fail('caller_request_too_large', `The request body exceeds the maximum size of ${bodyBytesMax} bytes.`)
}

/**
 * Parses a JSON request body, refusing nesting deeper than `depthMax` before the parser sees it, so that no later
 * recursive walk (validation, translation, the upstream's own parser) can be driven into a stack overflow.
 */
export function parseJsonBody(text: string, depthMax: number): unknown {
  if (text.trim() === '') fail('caller_invalid_request', 'The request body is empty; a JSON object is required.')
  const depth = jsonNestingDepth(text)
  if (depth > depthMax) {
    fail('caller_invalid_request', `The request body nests deeper than the maximum of ${depthMax} levels.`)
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    const detail = error instanceof SyntaxError ? `: ${error.message}` : ''
    return fail('caller_invalid_request', `The request body is not valid JSON${detail}.`)
  }
}

const quote = 34
const backslash = 92
const openBrace = 123
const openBracket = 91
const closeBrace = 125
const closeBracket = 93

/** The deepest nesting of objects and arrays in JSON text, skipping string contents. Malformed text is not an error here. */
export function jsonNestingDepth(text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (inString) {
      if (code === backslash) index++
      else if (code === quote) inString = false
    } else if (code === quote) inString = true
    else if (code === openBrace || code === openBracket) {
      depth++
      if (depth > deepest) deepest = depth
    } else if (code === closeBrace || code === closeBracket) depth--
  }
  return deepest
}

/** Most bytes a Stripe webhook event may have (Stripe's events are a few KiB). */
export const webhookBytesMax = 1024 * 1024

/** Most bytes a self-serve page's form may send: its fields are a few short strings. */
export const formBytesMax = 64 * 1024

/** A url-encoded form's fields as strings; a name sent twice keeps its first value. */
export function parseFormBody(text: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const [name, value] of new URLSearchParams(text)) if (!Object.hasOwn(fields, name)) fields[name] = value
  return fields
}
