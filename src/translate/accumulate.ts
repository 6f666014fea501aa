import type { CanonicalResponse, CanonicalStreamEvent, ContentPart } from '../core/canonical.ts'
import { zeroUsage } from '../core/usage.ts'

/*
 * Folds canonical stream events into the whole response they describe, for what must outlive a stream: the stored
 * state a `previous_response_id` follow-up continues from. Only a stream that finished yields a response; one that
 * failed or was cut yields nothing, so no half-received turn is ever kept.
 */

type OpenPart = { part: ContentPart; order: number }

export type StreamAccumulator = {
  /** Folds one event; answers the whole response on `finish`. */
  step: (event: CanonicalStreamEvent) => CanonicalResponse | undefined
}

export function createStreamAccumulator(): StreamAccumulator {
  const parts = new Map<number, OpenPart>()
  let id = ''
  let model = ''
  let usage = zeroUsage
  let failed = false
  return {
    step: (event) => {
      switch (event.type) {
        case 'message-start':
          id = event.id
          model = event.model
          if (event.usage !== undefined) usage = event.usage
          return undefined
        case 'text-start':
          parts.set(event.index, { part: { type: 'text', text: '' }, order: parts.size })
          return undefined
        case 'reasoning-start':
          parts.set(event.index, {
            part: event.redactedData === undefined ? { type: 'reasoning', text: '' } : { type: 'redacted-reasoning', data: event.redactedData },
            order: parts.size,
          })
          return undefined
        case 'tool-call-start':
          parts.set(event.index, { part: { type: 'tool-call', id: event.id, name: event.name, arguments: '' }, order: parts.size })
          return undefined
        case 'text-delta':
        case 'reasoning-delta': {
          const part = parts.get(event.index)?.part
          if (part?.type === 'text' || part?.type === 'reasoning') part.text += event.text
          return undefined
        }
        case 'reasoning-end': {
          const part = parts.get(event.index)?.part
          if (part?.type === 'reasoning' && event.signature !== undefined) part.signature = event.signature
          return undefined
        }
        case 'tool-call-delta': {
          const part = parts.get(event.index)?.part
          if (part?.type === 'tool-call') part.arguments += event.argumentsDelta
          return undefined
        }
        case 'usage':
          usage = event.usage
          return undefined
        case 'error':
          failed = true
          return undefined
        case 'finish': {
          if (failed) return undefined
          const content = [...parts.values()].sort((left, right) => left.order - right.order).map((open) => open.part)
          return { id, model, content, finish: event.reason, stopSequence: event.stopSequence, usage }
        }
        default:
          return undefined
      }
    },
  }
}
