import type { CanonicalRequest, ContentPart } from '../../core/canonical.ts'
import { arrayOf, recordOf, stringOf } from '../../core/json-readers.ts'
import type { TranslationFailure } from '../openai-chat/decode-request.ts'
import { parseDataUrl } from '../../core/data-url.ts'

/*
 * The content of Responses input items → canonical parts (WIRE.md §1.4, §3.1): `input_text`, `input_image`,
 * `input_file`, and the `output_text`/`refusal` parts of replayed assistant messages. Blank text is dropped here,
 * since Anthropic refuses empty text blocks (edge 1). Files are carried inline only: a `file_id` names a file in
 * OpenAI's store, which no other upstream can read.
 */

type Failure = { error: TranslationFailure }

/** What a tool result may hold in canonical form: text and images. */
export type ToolResultContent = Extract<ContentPart, { type: 'tool-result' }>['content'][number]

/** The message for every `file_id`: the gateway keeps no files to hand another upstream. */
export const noFileStoreMessage = 'file_id cannot be used with this model: the gateway has no shared file store. Send the file inline instead.'

/** The message for content that is neither a string nor a list of parts. */
function invalidContent(param: string): Failure {
  return { error: { param, message: `Invalid type for '${param}': expected a string or an array of content parts.` } }
}

function isBlank(text: string): boolean {
  return text.trim() === ''
}

/** A system or developer message's content → system blocks; only text parts belong there. */
export function decodeSystemContent(content: unknown, param: string): CanonicalRequest['system'] | Failure {
  if (typeof content === 'string') return isBlank(content) ? [] : [{ text: content }]
  if (!Array.isArray(content)) return invalidContent(param)
  const blocks: CanonicalRequest['system'] = []
  for (const [partIndex, raw] of content.entries()) {
    const part = recordOf(raw)
    const text = stringOf(part.text)
    if (part.type !== 'input_text' || text === undefined) {
      return { error: { param: `${param}[${partIndex}]`, message: 'System and developer messages take input_text parts only.' } }
    }
    if (!isBlank(text)) blocks.push({ text })
  }
  return blocks
}

/** A user or assistant message's content → parts in order, blank text left out. */
export function decodeMessageContent(content: unknown, param: string): ContentPart[] | Failure {
  if (typeof content === 'string') return isBlank(content) ? [] : [{ type: 'text', text: content }]
  if (!Array.isArray(content)) return invalidContent(param)
  const parts: ContentPart[] = []
  for (const [partIndex, raw] of content.entries()) {
    const part = decodePart(recordOf(raw), `${param}[${partIndex}]`)
    if ('error' in part) return part
    if (part.type !== 'text' || !isBlank(part.text)) parts.push(part)
  }
  return parts
}

function decodePart(part: Record<string, unknown>, param: string): ContentPart | Failure {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: stringOf(part.text) ?? '' }
    case 'refusal':
      // A replayed refusal is what the assistant said; no upstream takes it back as anything but text.
      return { type: 'text', text: stringOf(part.refusal) ?? '' }
    case 'input_image':
      return decodeImage(part, param)
    case 'input_file':
      return decodeFile(part, param)
    default:
      return { error: { param: `${param}.type`, message: `Content parts of type '${String(part.type)}' cannot be translated for this model.` } }
  }
}

function decodeImage(part: Record<string, unknown>, param: string): Extract<ContentPart, { type: 'image' }> | Failure {
  const detail = detailOf(part.detail)
  const imageUrl = stringOf(part.image_url)
  if (imageUrl === undefined) {
    if (stringOf(part.file_id) !== undefined) return { error: { param: `${param}.file_id`, message: noFileStoreMessage } }
    return { error: { param: `${param}.image_url`, message: 'An input_image part needs image_url.' } }
  }
  const invalid = { error: { param: `${param}.image_url`, message: 'image_url must be an http(s) URL or a base64 data URL of an image.' } }
  if (imageUrl.startsWith('data:')) {
    const data = parseDataUrl(imageUrl)
    if (data === undefined || !data.mediaType.startsWith('image/')) return invalid
    return { type: 'image', source: { kind: 'base64', ...data }, ...detail }
  }
  if (!isHttpUrl(imageUrl)) return invalid
  return { type: 'image', source: { kind: 'url', url: imageUrl }, ...detail }
}

function decodeFile(part: Record<string, unknown>, param: string): Extract<ContentPart, { type: 'document' }> | Failure {
  const filename = stringOf(part.filename)
  const named = filename === undefined ? {} : { filename }
  const fileData = stringOf(part.file_data)
  if (fileData !== undefined) {
    // Clients send either a data URL or the bare base64 of a named file; bare data says its type only by its name.
    const data = fileData.startsWith('data:')
      ? parseDataUrl(fileData)
      : filename?.toLowerCase().endsWith('.pdf') === true
        ? { mediaType: 'application/pdf', data: fileData }
        : undefined
    if (data === undefined) {
      return { error: { param: `${param}.file_data`, message: 'file_data must be a base64 data URL, or the base64 of a PDF whose filename ends in .pdf.' } }
    }
    return { type: 'document', source: { kind: 'base64', ...data }, ...named }
  }
  const fileUrl = stringOf(part.file_url)
  if (fileUrl !== undefined) {
    if (!isHttpUrl(fileUrl)) return { error: { param: `${param}.file_url`, message: 'file_url must be an http(s) URL.' } }
    return { type: 'document', source: { kind: 'url', url: fileUrl }, ...named }
  }
  if (stringOf(part.file_id) !== undefined) return { error: { param: `${param}.file_id`, message: noFileStoreMessage } }
  return { error: { param, message: 'An input_file part needs file_data or file_url.' } }
}

/**
 * A `function_call_output` or `custom_tool_call_output` → the tool result's text and images, and the files it held,
 * which a canonical tool result cannot carry and so travel in the same user turn, after the results.
 */
export function decodeToolOutput(output: unknown, param: string): { content: ToolResultContent[]; files: ContentPart[] } | Failure {
  if (typeof output === 'string') return { content: isBlank(output) ? [] : [{ type: 'text', text: output }], files: [] }
  if (!Array.isArray(output)) return invalidContent(param)
  const content: ToolResultContent[] = []
  const files: ContentPart[] = []
  for (const [partIndex, raw] of arrayOf(output).entries()) {
    const part = decodePart(recordOf(raw), `${param}[${partIndex}]`)
    if ('error' in part) return part
    if (part.type === 'text') {
      if (!isBlank(part.text)) content.push({ type: 'text', text: part.text })
    } else if (part.type === 'image') {
      content.push({ type: 'image', source: part.source })
    } else {
      files.push(part)
    }
  }
  return { content, files }
}

function detailOf(value: unknown): { detail?: 'auto' | 'low' | 'high' } {
  return value === 'auto' || value === 'low' || value === 'high' ? { detail: value } : {}
}

function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url)
}

