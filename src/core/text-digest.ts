/**
 * A short key for a text of any size: its length and 64-bit wyhash (`Bun.hash`). Two different texts of one length
 * sharing a hash would share the key; callers use it where that costs a wrong cached answer, not an error.
 */
export function textDigest(text: string): string {
  return `${text.length}:${Bun.hash(text).toString(36)}`
}
