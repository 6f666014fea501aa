import { Type, type Static } from '@sinclair/typebox'
import { closed, httpUrl, identifier } from './schema-parts.ts'

/* The config's self-serve sections: prepaid packs, the /app pages' accounts, and mail (src/config/schema.ts uses them). */

/** A prepaid pack on /app/billing: what it costs and what it credits (credit may exceed the price). */
export const PackConfig = Type.Object(
  {
    id: identifier,
    /** Price in USD, charged through Stripe Checkout; Stripe's smallest USD charge is $0.50. */
    priceUsd: Type.Number({ minimum: 0.5, maximum: 100_000 }),
    /** Credit added to the account, USD. */
    creditUsd: Type.Number({ minimum: 0, maximum: 1_000_000 }),
  },
  closed,
)
export type PackConfig = Static<typeof PackConfig>

/** The self-serve pages (/app): signup, sign-in, keys and billing. */
export const AccountsConfig = Type.Object(
  {
    /** Whether anyone may sign up at /app/signup (default true); existing users can always sign in. */
    signup: Type.Optional(Type.Boolean()),
    /** How long a sign-in lasts, hours (default 336 = 14 days). */
    sessionHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 8784 })),
    /** Sign-in and signup attempts one IP address may make per rolling minute (default 10). */
    attemptsPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    /** The gateway's public URL, for links in mail and Stripe's return URLs (default: the URL the request came to). */
    publicUrl: Type.Optional(httpUrl),
    /** Trust the first address of `x-forwarded-for` as the caller's, for the attempt limit (only behind a proxy you run). */
    trustForwardedFor: Type.Optional(Type.Boolean()),
  },
  closed,
)
export type AccountsConfig = Static<typeof AccountsConfig>

/** Mail for address confirmation and password reset; without it both are off. */
export const MailConfig = Type.Object(
  {
    /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`; `env:NAME` reads it from the environment. */
    smtpUrl: Type.String({ minLength: 1, maxLength: 2048 }),
    /** The sender, as `Anvat <no-reply@example.com>`. */
    from: Type.String({ minLength: 3, maxLength: 320 }),
  },
  closed,
)
export type MailConfig = Static<typeof MailConfig>

export type ResolvedAccountsConfig = {
  signup: boolean
  signupCreditMicros: number
  sessionMs: number
  attemptsPerMinute: number
  publicUrl: string | undefined
  trustForwardedFor: boolean
}

export const defaultAccounts = { signup: true, signupCreditUsd: 2, sessionHours: 336, attemptsPerMinute: 10, trustForwardedFor: false } as const
