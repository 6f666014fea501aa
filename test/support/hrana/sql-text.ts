/*
 * bun:sqlite's `prepare` compiles the first statement of a string and silently drops the rest, so the server cuts SQL
 * text itself: `execute` must refuse a second statement (sqld answers SQL_MANY_STATEMENTS) and `sequence` runs them
 * one at a time. The cut is lexical; SQLite's own parser then decides where a statement really ends (statement.ts),
 * because a semicolon inside a CREATE TRIGGER body does not end the CREATE TRIGGER.
 */

/** The text between two top-level semicolons, and whether it holds anything but blanks and comments. */
export type SqlPiece = { text: string; hasTokens: boolean }

const closingQuote: Record<string, string> = { "'": "'", '"': '"', '`': '`', '[': ']' }

/** Cuts SQL text at every semicolon outside strings, quoted identifiers and comments. */
export function splitAtSemicolons(sql: string): SqlPiece[] {
  const pieces: SqlPiece[] = []
  let start = 0
  let hasTokens = false
  let index = 0
  while (index < sql.length) {
    const character = sql[index] as string
    const next = sql[index + 1]
    if (character === '-' && next === '-') {
      const end = sql.indexOf('\n', index + 2)
      index = end === -1 ? sql.length : end + 1
    } else if (character === '/' && next === '*') {
      const end = sql.indexOf('*/', index + 2)
      index = end === -1 ? sql.length : end + 2
    } else if (character in closingQuote) {
      // A doubled quote ('it''s') reads as two adjacent quoted runs, which cuts the same way.
      const end = sql.indexOf(closingQuote[character] as string, index + 1)
      index = end === -1 ? sql.length : end + 1
      hasTokens = true
    } else if (character === ';') {
      pieces.push({ text: sql.slice(start, index), hasTokens })
      start = index + 1
      hasTokens = false
      index += 1
    } else {
      if (!/\s/.test(character)) hasTokens = true
      index += 1
    }
  }
  pieces.push({ text: sql.slice(start), hasTokens })
  return pieces
}
