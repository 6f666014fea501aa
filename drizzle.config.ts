import { defineConfig } from 'drizzle-kit'

/** `npm run db:generate` writes SQL migrations for src/ledger/schema.ts into drizzle/. */
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/ledger/schema.ts',
  out: './drizzle',
})
