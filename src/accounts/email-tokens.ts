import { and, eq, gt, isNull } from 'drizzle-orm'
import { randomBase62 } from '../core/ids.ts'
import type { LedgerConnection } from '../ledger/database.ts'
import { emailTokens } from '../ledger/schema.ts'

/*
 * Single-use tokens for links in mail. The link carries the token; the database keeps only its SHA-256, its purpose
 * and its expiry. Using one marks it used in the same statement that checks it, so two clicks cannot both succeed.
 */

export type EmailTokenPurpose = 'verify-email' | 'reset-password'

/** How long each kind of link works. */
export const emailTokenLifetimeMs: Record<EmailTokenPurpose, number> = { 'verify-email': 48 * 3_600_000, 'reset-password': 3_600_000 }

const idOf = (token: string) => new Bun.CryptoHasher('sha256').update(token).digest('hex')

/** A new token for `userId`; returns it in clear, for the link. */
export async function issueEmailToken(connection: LedgerConnection, userId: string, purpose: EmailTokenPurpose, nowMs: number): Promise<string> {
  const token = randomBase62(43)
  await connection.database.insert(emailTokens).values({ id: idOf(token), userId, purpose, createdAtMs: nowMs, expiresAtMs: nowMs + emailTokenLifetimeMs[purpose] })
  return token
}

/** The user a live, unused token of this purpose belongs to, without using it (to show the form it leads to). */
export async function peekEmailToken(connection: LedgerConnection, token: string, purpose: EmailTokenPurpose, nowMs: number): Promise<string | undefined> {
  const [row] = await connection.database
    .select({ userId: emailTokens.userId })
    .from(emailTokens)
    .where(and(eq(emailTokens.id, idOf(token)), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAtMs), gt(emailTokens.expiresAtMs, nowMs)))
    .limit(1)
  return row?.userId
}

/** Uses a live, unused token of this purpose: its user, or undefined when it is unknown, used or expired. */
export async function useEmailToken(connection: LedgerConnection, token: string, purpose: EmailTokenPurpose, nowMs: number): Promise<string | undefined> {
  const [row] = await connection.database
    .update(emailTokens)
    .set({ usedAtMs: nowMs })
    .where(and(eq(emailTokens.id, idOf(token)), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAtMs), gt(emailTokens.expiresAtMs, nowMs)))
    .returning({ userId: emailTokens.userId })
  return row?.userId
}
