/**
 * Sessions and mailed links outlive nothing: expired ones are deleted by the hourly prune (as well as when met), and
 * live ones are kept. Only hashes are stored, so the database never holds a token that opens anything.
 */
import { expect, test } from 'bun:test'
import { issueEmailToken, useEmailToken } from '../../src/accounts/email-tokens.ts'
import { deleteExpiredEmailTokens, deleteExpiredSessions, findSession, startSession } from '../../src/accounts/sessions.ts'
import { signUp } from '../../src/accounts/users.ts'
import { openLedger } from '../../src/ledger/database.ts'
import { emailTokens, sessions } from '../../src/ledger/schema.ts'

test('the prune deletes expired sessions and links only; stored ids are hashes of the tokens', async () => {
  const connection = await openLedger({ path: ':memory:' }, 0)
  try {
    const created = await signUp(connection, { email: 'prune@example.com', password: 'correct horse battery', grantMicros: 0, keyName: 'default' }, 0)
    if (!created.ok) throw new Error('signup failed')
    const userId = created.user.id
    const short = await startSession(connection, userId, 0, 1_000)
    const long = await startSession(connection, userId, 0, 10_000)
    const resetLink = await issueEmailToken(connection, userId, 'reset-password', 0)
    const verifyLink = await issueEmailToken(connection, userId, 'verify-email', 0)

    const stored = await connection.database.select().from(sessions)
    expect(stored.map((row) => row.id)).not.toContain(short.token)
    expect(stored.every((row) => /^[0-9a-f]{64}$/.test(row.id))).toBe(true)

    await deleteExpiredSessions(connection, 1_000)
    await deleteExpiredEmailTokens(connection, 3_600_000)
    expect(await findSession(connection, short.token, 500)).toBeUndefined()
    expect((await findSession(connection, long.token, 5_000))?.user.email).toBe('prune@example.com')
    expect(await connection.database.select().from(sessions)).toHaveLength(1)
    expect((await connection.database.select().from(emailTokens)).map((row) => row.purpose)).toEqual(['verify-email'])
    expect(await useEmailToken(connection, resetLink, 'reset-password', 0)).toBeUndefined()
    // A link of one purpose opens nothing of the other.
    expect(await useEmailToken(connection, verifyLink, 'reset-password', 0)).toBeUndefined()
    expect(await useEmailToken(connection, verifyLink, 'verify-email', 0)).toBe(userId)
  } finally {
    connection.close()
  }
})
