/**
 * Same-dialect passthrough sends the caller's body bytes unchanged except for `model`, which may be aliased to an
 * upstream id. Re-serialising the parsed body would change whitespace, key order, number spelling and escapes, so
 * instead the value of every top-level `"model"` key is spliced in place. The text is already known to be valid JSON.
 */
export function rewriteTopLevelModel(text: string, model: string): string {
  const spans = topLevelStringValueSpans(text, 'model')
  if (spans.length === 0) return text
  const replacement = JSON.stringify(model)
  let result = ''
  let copiedUpTo = 0
  for (const [start, end] of spans) {
    result += text.slice(copiedUpTo, start) + replacement
    copiedUpTo = end
  }
  return result + text.slice(copiedUpTo)
}

const quote = 34
const backslash = 92
const colon = 58

/** [start, end) of each string value held by `key` in the top-level object, quotes included. */
export function topLevelStringValueSpans(text: string, key: string): Array<[number, number]> {
  const spans: Array<[number, number]> = []
  let depth = 0
  let index = 0
  while (index < text.length) {
    const code = text.charCodeAt(index)
    if (code === quote) {
      const end = stringEnd(text, index)
      if (depth === 1) {
        const afterKey = skipWhitespace(text, end)
        if (text.charCodeAt(afterKey) === colon && stringValue(text, index, end) === key) {
          const valueStart = skipWhitespace(text, afterKey + 1)
          if (text.charCodeAt(valueStart) === quote) {
            const valueEnd = stringEnd(text, valueStart)
            spans.push([valueStart, valueEnd])
            index = valueEnd
            continue
          }
        }
      }
      index = end
      continue
    }
    if (code === 123 || code === 91) depth++
    else if (code === 125 || code === 93) depth--
    index++
  }
  return spans
}

/** Index just past the closing quote of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let index = start + 1
  while (index < text.length) {
    const code = text.charCodeAt(index)
    if (code === backslash) index += 2
    else if (code === quote) return index + 1
    else index++
  }
  return text.length
}

function stringValue(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1)
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw
}

function skipWhitespace(text: string, start: number): number {
  let index = start
  while (index < text.length) {
    const code = text.charCodeAt(index)
    if (code !== 32 && code !== 9 && code !== 10 && code !== 13) break
    index++
  }
  return index
}
