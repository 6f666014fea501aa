import { and, eq, isNull } from 'drizzle-orm'
import { randomBase62 } from '../core/ids.ts'
import type { LedgerConnection } from '../ledger/database.ts'
import { newAccountStatement, newKeyStatement } from '../ledger/keys.ts'
import { ledgerEntries, users } from '../ledger/schema.ts'
import { statementOf } from '../ledger/sql-client.ts'

/*
 * People with a sign-in: an email, a password kept only as its argon2id hash (`Bun.password`), and the one account
 * their keys draw credit from. Signing up makes the user, the account, the signup grant and a first key in one
 * batch, so a failure leaves none of them; the grant's entry id is derived from the account, so no path can grant
 * an account twice.
 */

export type User = { id: string; accountId: string; email: string; emailVerifiedAtMs: number | null }

/** Fewest characters a password may have (NIST SP 800-63B's floor for user-chosen secrets). */
export const passwordLengthMin = 8
/** Most characters a password may have: enough for any passphrase, few enough that hashing stays cheap. */
export const passwordLengthMax = 256
/** RFC 5321's limit on an address's length. */
export const emailLengthMax = 254
/** Plausible address: one @, no spaces, a dot in the domain. The confirmation mail, when set up, is the real check. */
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** How one account's signup grant is named in the ledger: unique per account, so granted at most once. */
export const signupGrantEntryId = (accountId: string) => `${accountId}:signup-grant`

/** The address as kept and compared: trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

/** What is wrong with a signup's email and password, in words for the form; undefined when both will do. */
export function signupProblem(email: string, password: string): string | undefined {
  if (email.length > emailLengthMax || !emailPattern.test(email)) return 'Enter a valid email address.'
  if (password.length < passwordLengthMin) return `Choose a password of at least ${passwordLengthMin} characters.`
  if (password.length > passwordLengthMax) return `Choose a password of at most ${passwordLengthMax} characters.`
  return undefined
}

export type SignupResult = { ok: true; user: User; key: { id: string; key: string } } | { ok: false; reason: 'email-taken' }

/**
 * Creates a user with its account, the account's first key, and (when `grantMicros` is above zero) the signup grant.
 * The email must be normalised and checked already.
 */
export async function signUp(connection: LedgerConnection, input: { email: string; password: string; grantMicros: number; keyName: string }, nowMs: number): Promise<SignupResult> {
  const { database } = connection
  if ((await findUserByEmail(connection, input.email)) !== undefined) return { ok: false, reason: 'email-taken' }
  const passwordHash = await Bun.password.hash(input.password, { algorithm: 'argon2id' })
  const user: User = { id: `user_${randomBase62(16)}`, accountId: `acct_${randomBase62(16)}`, email: input.email, emailVerifiedAtMs: null }
  const key = newKeyStatement(database, user.accountId, input.keyName, {}, nowMs)
  const statements = [
    newAccountStatement(database, user.accountId, input.email, nowMs),
    statementOf(database.insert(users).values({ id: user.id, accountId: user.accountId, email: user.email, passwordHash, createdAtMs: nowMs })),
    key.statement,
  ]
  if (input.grantMicros > 0) statements.push(grantStatement(connection, user.accountId, input.grantMicros, nowMs))
  try {
    await connection.client.batch(statements)
  } catch (error) {
    // Two signups for one address at once: the unique index lets one through; the other is told it is taken.
    if ((await findUserByEmail(connection, input.email)) !== undefined) return { ok: false, reason: 'email-taken' }
    throw error
  }
  return { ok: true, user, key: { id: key.id, key: key.key } }
}

/** The signup grant's ledger entry; writing it again changes nothing (its id is taken). */
export function grantStatement(connection: LedgerConnection, accountId: string, amountMicros: number, nowMs: number) {
  return statementOf(
    connection.database
      .insert(ledgerEntries)
      .values({ id: signupGrantEntryId(accountId), accountId, kind: 'grant', amountMicros, note: 'signup credit', createdAtMs: nowMs })
      .onConflictDoNothing(),
  )
}

export async function findUserByEmail(connection: LedgerConnection, email: string): Promise<(User & { passwordHash: string }) | undefined> {
  const [row] = await connection.database
    .select({ id: users.id, accountId: users.accountId, email: users.email, emailVerifiedAtMs: users.emailVerifiedAtMs, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.email, email))
    .limit(1)
  return row
}

export async function findUserById(connection: LedgerConnection, id: string): Promise<User | undefined> {
  const [row] = await connection.database
    .select({ id: users.id, accountId: users.accountId, email: users.email, emailVerifiedAtMs: users.emailVerifiedAtMs })
    .from(users)
    .where(eq(users.id, id))
    .limit(1)
  return row
}

/**
 * Hashed once per process and verified against when an address is unknown, so a wrong address takes as long to
 * refuse as a wrong password and the timing tells nobody which addresses have accounts.
 */
let standInHash: Promise<string> | undefined

/** The user whose email and password these are, or undefined; the email must be normalised already. */
export async function verifyLogin(connection: LedgerConnection, email: string, password: string): Promise<User | undefined> {
  const found = await findUserByEmail(connection, email)
  if (password.length > passwordLengthMax) return undefined
  if (found === undefined) {
    standInHash ??= Bun.password.hash(randomBase62(32), { algorithm: 'argon2id' })
    await Bun.password.verify(password, await standInHash)
    return undefined
  }
  const { passwordHash, ...user } = found
  return (await Bun.password.verify(password, passwordHash)) ? user : undefined
}

/** Sets a new password; the caller ends the user's other sessions. */
export async function setPassword(connection: LedgerConnection, userId: string, password: string): Promise<void> {
  const passwordHash = await Bun.password.hash(password, { algorithm: 'argon2id' })
  await connection.database.update(users).set({ passwordHash }).where(eq(users.id, userId))
}

/**
 * Marks the user's address confirmed and, when `grantMicros` is above zero, adds the signup grant that was waiting
 * for it, in one batch. Confirming again changes nothing: the grant's entry id is taken.
 */
export async function confirmEmail(connection: LedgerConnection, user: { id: string; accountId: string }, grantMicros: number, nowMs: number): Promise<void> {
  const statements = [statementOf(connection.database.update(users).set({ emailVerifiedAtMs: nowMs }).where(and(eq(users.id, user.id), isNull(users.emailVerifiedAtMs))))]
  if (grantMicros > 0) statements.push(grantStatement(connection, user.accountId, grantMicros, nowMs))
  await connection.client.batch(statements)
}
