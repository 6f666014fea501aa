import { randomBase62 } from '../../core/ids.ts'

/*
 * Ids of translated responses and their output items. Every item id names the response it belongs to
 * (`msg_<response>_<n>`), so an `item_reference` or a replayed item id finds its stored response without an index.
 */

export type OutputItemKind = 'message' | 'reasoning' | 'function_call' | 'custom_tool_call'

const itemPrefixes: Record<OutputItemKind, string> = { message: 'msg', reasoning: 'rs', function_call: 'fc', custom_tool_call: 'ctc' }
const responseKeyLength = 32
const itemIdPattern = /^(?:msg|rs|fc|ctc)_([0-9A-Za-z]{32})_\d+$/

/** The random part shared by a response id and its item ids. */
export function newResponseKey(): string {
  return randomBase62(responseKeyLength)
}

export function responseIdOf(responseKey: string): string {
  return `resp_${responseKey}`
}

/** The id of the `outputIndex`-th output item of a response. */
export function outputItemId(responseKey: string, kind: OutputItemKind, outputIndex: number): string {
  return `${itemPrefixes[kind]}_${responseKey}_${outputIndex}`
}

/** The response id an item id was made for, or undefined for an id the gateway did not make. */
export function responseIdOfItem(itemId: string): string | undefined {
  const match = itemIdPattern.exec(itemId)
  return match === null ? undefined : responseIdOf(match[1] as string)
}
