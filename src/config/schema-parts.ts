import { Type } from '@sinclair/typebox'

/** The building blocks every config schema file shares. */

/** Every config object is closed: a misspelt field fails at start instead of being silently ignored. */
export const closed = { additionalProperties: false } as const
export const identifier = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:/@-]*$' })
export const httpUrl = Type.String({ pattern: '^https?://[^\\s/?#]+[^\\s]*$' })
