/** `data:<media type>[;parameters];base64,<data>` → its media type and data; anything else is undefined. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  if (!url.startsWith('data:')) return undefined
  const comma = url.indexOf(',')
  if (comma === -1) return undefined
  const header = url.slice('data:'.length, comma).split(';')
  const mediaType = header[0]?.trim().toLowerCase() ?? ''
  if (mediaType === '' || header.at(-1) !== 'base64') return undefined
  return { mediaType, data: url.slice(comma + 1) }
}
