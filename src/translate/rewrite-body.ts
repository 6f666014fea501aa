/**
 * Same-dialect passthrough sends the caller's body bytes unchanged except for the few top-level fields the gateway
 * must set (`model` when aliased, a lowered output limit, `stream_options` on Chat streams). Re-serialising the
 * parsed body would change whitespace, key order, number spelling and escapes, so values are spliced in place
 * instead. The text is already known to be a valid JSON object.
 */
export function rewriteTopLevelModel(text: string, model: string): string {
  return setTopLevelField(text, 'model', JSON.stringify(model))
}

/** Sets top-level `key` to the JSON text `value`: every existing occurrence is replaced, or the key is added first. */
export function setTopLevelField(text: string, key: string, value: string): string {
  const spans = topLevelValueSpans(text, key)
  if (spans.length === 0) {
    const open = text.indexOf('{')
    const isEmpty = text.slice(open + 1).trim().startsWith('}')
    return `${text.slice(0, open + 1)}${JSON.stringify(key)}:${value}${isEmpty ? '' : ','}${text.slice(open + 1)}`
  }
  let result = ''
  let copiedUpTo = 0
  for (const [start, end] of spans) {
    result += text.slice(copiedUpTo, start) + value
    copiedUpTo = end
  }
  return result + text.slice(copiedUpTo)
}

const quote = 34
const backslash = 92
const colon = 58
const comma = 44

/** [start, end) of each value held by `key` in the top-level object. */
export function topLevelValueSpans(text: string, key: string): Array<[number, number]> {
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
          const valueEnd = valueEndOf(text, valueStart)
          spans.push([valueStart, valueEnd])
          index = valueEnd
          continue
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

/** Index just past the JSON value starting at `start`. */
function valueEndOf(text: string, start: number): number {
  const first = text.charCodeAt(start)
  if (first === quote) return stringEnd(text, start)
  if (first === 123 || first === 91) {
    let depth = 0
    let index = start
    while (index < text.length) {
      const code = text.charCodeAt(index)
      if (code === quote) {
        index = stringEnd(text, index)
        continue
      }
      if (code === 123 || code === 91) depth++
      else if (code === 125 || code === 93) {
        depth--
        if (depth === 0) return index + 1
      }
      index++
    }
    return text.length
  }
  let index = start
  while (index < text.length) {
    const code = text.charCodeAt(index)
    if (code === comma || code === 125 || code === 93 || code === 32 || code === 9 || code === 10 || code === 13) break
    index++
  }
  return index
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
