import { isRecord } from './wire.ts'

/*
 * Anthropic's `tool_use.input` must be a JSON object: "Input should be a valid dictionary" otherwise (edge 21).
 * Other dialects carry tool arguments as JSON text, which upstreams send empty (OpenRouter) or cut short (a stream
 * that hit max_tokens). Empty text is `{}`; truncated text is completed by closing what is still open.
 */

/** Tool arguments as JSON text → an object for `tool_use.input`; `repaired` when the text was not a whole object. */
export function parseToolInput(argumentsText: string): { input: Record<string, unknown>; repaired: boolean } {
  const trimmed = argumentsText.trim()
  if (trimmed === '') return { input: {}, repaired: false }
  const whole = parseObject(trimmed)
  if (whole !== undefined) return { input: whole, repaired: false }
  const withoutTrailingComma = trimmed.replace(/,\s*$/, '')
  const candidates = [trimmed + jsonCompletionSuffix(trimmed), withoutTrailingComma + jsonCompletionSuffix(withoutTrailingComma)]
  for (const candidate of candidates) {
    const repaired = parseObject(candidate)
    if (repaired !== undefined) return { input: repaired, repaired: true }
  }
  return { input: {}, repaired: true }
}

/**
 * The characters that close whatever JSON text leaves open: a pending escape, an open string, then open arrays and
 * objects innermost first. Empty when nothing is open. Only appends, so a stream can send it as one last fragment.
 */
export function jsonCompletionSuffix(text: string): string {
  const closers: string[] = []
  let inString = false
  let escaped = false
  for (const character of text) {
    if (inString) {
      if (escaped) escaped = false
      else if (character === '\\') escaped = true
      else if (character === '"') inString = false
      continue
    }
    if (character === '"') inString = true
    else if (character === '{') closers.push('}')
    else if (character === '[') closers.push(']')
    else if (character === '}' || character === ']') closers.pop()
  }
  return (escaped ? '\\' : '') + (inString ? '"' : '') + closers.reverse().join('')
}

/** The suffix that makes streamed arguments a whole object, or undefined when none is needed or none would do. */
export function toolInputRepairSuffix(argumentsText: string): string | undefined {
  const trimmed = argumentsText.trim()
  if (trimmed === '' || parseObject(trimmed) !== undefined) return undefined
  const suffix = jsonCompletionSuffix(trimmed)
  return suffix !== '' && parseObject(trimmed + suffix) !== undefined ? suffix : undefined
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return isRecord(value) ? value : undefined
  } catch {
    // Not JSON: the caller tries a repair, and reports it.
    return undefined
  }
}
