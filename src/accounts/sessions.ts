import { and, eq, lt, ne } from 'drizzle-orm'
import { randomBase62 } from '../core/ids.ts'
import type { LedgerConnection } from '../ledger/database.ts'
import { emailTokens, sessions, users } from '../ledger/schema.ts'
import type { User } from './users.ts'

/*
 * Sign-in sessions. The browser holds a random token in an HttpOnly cookie; the database holds only its SHA-256, so
 * neither a copy of the database nor its backups open a session. A session ends at its expiry, at sign-out, or
 * when its user changes password; expired rows are deleted as they are met and by `deleteExpiredSessions`.
 */

export type Session = { id: string; user: User; csrfToken: string; expiresAtMs: number }

/** SHA-256 of a session token, hex: the row's id. */
export function sessionIdOf(token: string): string {
  return new Bun.CryptoHasher('sha256').update(token).digest('hex')
}

/** Starts a session for `userId`; returns the token for the cookie (the only copy) and the session. */
export async function startSession(connection: LedgerConnection, userId: string, nowMs: number, lifetimeMs: number): Promise<{ token: string; csrfToken: string; expiresAtMs: number }> {
  const token = randomBase62(43)
  const csrfToken = randomBase62(32)
  const expiresAtMs = nowMs + lifetimeMs
  await connection.database.insert(sessions).values({ id: sessionIdOf(token), userId, csrfToken, createdAtMs: nowMs, expiresAtMs })
  return { token, csrfToken, expiresAtMs }
}

/** The live session a cookie's token opens, with its user; undefined when unknown or expired (then deleted). */
export async function findSession(connection: LedgerConnection, token: string, nowMs: number): Promise<Session | undefined> {
  const id = sessionIdOf(token)
  const [row] = await connection.database
    .select({
      id: sessions.id,
      csrfToken: sessions.csrfToken,
      expiresAtMs: sessions.expiresAtMs,
      userId: users.id,
      accountId: users.accountId,
      email: users.email,
      emailVerifiedAtMs: users.emailVerifiedAtMs,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, id))
    .limit(1)
  if (row === undefined) return undefined
  if (row.expiresAtMs <= nowMs) {
    await endSession(connection, token)
    return undefined
  }
  return {
    id: row.id,
    csrfToken: row.csrfToken,
    expiresAtMs: row.expiresAtMs,
    user: { id: row.userId, accountId: row.accountId, email: row.email, emailVerifiedAtMs: row.emailVerifiedAtMs },
  }
}

/** Ends the session a token opens (sign-out); nothing happens for an unknown token. */
export async function endSession(connection: LedgerConnection, token: string): Promise<void> {
  await connection.database.delete(sessions).where(eq(sessions.id, sessionIdOf(token)))
}

/** Ends every session of a user but the one given (after a password change), or all of them. */
export async function endOtherSessions(connection: LedgerConnection, userId: string, keepSessionId?: string): Promise<void> {
  await connection.database
    .delete(sessions)
    .where(keepSessionId === undefined ? eq(sessions.userId, userId) : and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)))
}

/** Deletes sessions past their expiry. */
export async function deleteExpiredSessions(connection: LedgerConnection, nowMs: number): Promise<void> {
  await connection.database.delete(sessions).where(lt(sessions.expiresAtMs, nowMs + 1))
}

/** Deletes mailed links past their expiry, used or not. */
export async function deleteExpiredEmailTokens(connection: LedgerConnection, nowMs: number): Promise<void> {
  await connection.database.delete(emailTokens).where(lt(emailTokens.expiresAtMs, nowMs + 1))
}
