import { usdToMicros } from '../core/money.ts'
import type { PackConfig } from '../config/schema.ts'
import type { LedgerConnection } from '../ledger/database.ts'
import { ledgerEntries, payments } from '../ledger/schema.ts'
import { statementOf } from '../ledger/sql-client.ts'

/*
 * Crediting a prepaid pack: the payment's row and the top-up entry go in one batch, both keyed by the payment's
 * cause (`stripe:<checkout session>` or `operator:<grant id>`), so a webhook delivered twice, or a second event for
 * the same payment, credits nothing more.
 */

export type PackPayment = {
  /** `stripe:<checkout session id>` or `operator:<grant id>`. */
  id: string
  accountId: string
  packId: string
  source: 'stripe' | 'operator'
  paidMicros: number
  creditMicros: number
  eventId: string | null
}

/** Records the payment and credits the account, once; `credited` is false when this payment was recorded before. */
export async function creditPack(connection: LedgerConnection, payment: PackPayment, nowMs: number): Promise<{ credited: boolean }> {
  const { database } = connection
  const [recorded] = await connection.client.batch([
    statementOf(database.insert(payments).values({ ...payment, createdAtMs: nowMs }).onConflictDoNothing()),
    statementOf(
      database
        .insert(ledgerEntries)
        .values({
          id: `${payment.id}:top-up`,
          accountId: payment.accountId,
          kind: 'top-up',
          amountMicros: payment.creditMicros,
          note: `pack ${payment.packId}${payment.source === 'stripe' ? ', paid by card' : ', granted by the operator'}`,
          createdAtMs: nowMs,
        })
        .onConflictDoNothing(),
    ),
  ])
  return { credited: recorded!.rowsAffected > 0 }
}

/** What a pack costs and credits, in micro-USD. */
export function packMicros(pack: PackConfig): { paidMicros: number; creditMicros: number } {
  return { paidMicros: usdToMicros(pack.priceUsd), creditMicros: usdToMicros(pack.creditUsd) }
}
