import type { Warning } from '../../core/canonical.ts'
import { arrayOf, isRecord } from './wire.ts'

/**
 * Most `cache_control` marks one request may carry; a fifth is a 400 (edge 14).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching
 */
export const cacheMarksMax = 4

/**
 * Removes the earliest `cache_control` marks of an encoded body until at most four remain. Marks are counted in
 * prompt order (tools, system, messages and the results inside them), and the latest are kept because they cover
 * the longest prefix. The top-level `cache_control` (automatic caching) is counted as one and always kept. Mutates
 * `body`, which the encoder built and owns.
 */
export function limitCacheMarks(body: Record<string, unknown>, warnings: Warning[]): void {
  const marked: Record<string, unknown>[] = []
  const visit = (block: unknown) => {
    if (isRecord(block) && block.cache_control !== undefined) marked.push(block)
  }
  for (const tool of arrayOf(body.tools)) visit(tool)
  for (const block of arrayOf(body.system)) visit(block)
  for (const message of arrayOf(body.messages)) {
    for (const block of arrayOf(isRecord(message) ? message.content : undefined)) visit(block)
  }
  const allowed = cacheMarksMax - (body.cache_control === undefined ? 0 : 1)
  const excess = marked.length - allowed
  if (excess <= 0) return
  for (const block of marked.slice(0, excess)) delete block.cache_control
  warnings.push({ code: 'dropped_cache_control', message: `removed the ${excess} earliest cache_control marks: Anthropic takes at most ${cacheMarksMax}` })
}
