import type { Provider } from '../core/provider.ts'
import type { Config, ModelConfig } from '../config/schema.ts'
import { createAnthropicProvider } from './anthropic.ts'
import { createMockProvider } from './mock/index.ts'
import { createOpenAIProvider } from './openai.ts'

/** A catalog model joined to the provider that serves it. */
export type CatalogEntry = { model: ModelConfig; provider: Provider; upstreamModel: string }

export type Catalog = {
  entries: readonly CatalogEntry[]
  /** Every configured provider, once each (the key pools are built over these). */
  providers: readonly Provider[]
  find: (modelId: string) => CatalogEntry | undefined
  /** Every provider credential, for scrubbing relayed text. */
  secrets: readonly string[]
}

/** Builds each configured provider once and indexes the models by the id callers use. */
export function createCatalog(config: Config, dependencies: { fetch: typeof fetch; now: () => number }): Catalog {
  const providers = new Map<string, Provider>()
  for (const provider of config.providers) {
    providers.set(
      provider.id,
      provider.type === 'mock'
        ? createMockProvider(provider, dependencies.now)
        : provider.type === 'anthropic'
          ? createAnthropicProvider(provider, dependencies.fetch)
          : createOpenAIProvider(provider, dependencies.fetch),
    )
  }
  const entries = config.models.map((model) => ({
    model,
    // loadConfig has checked that every model names a configured provider.
    provider: providers.get(model.provider)!,
    upstreamModel: model.upstreamId ?? model.id,
  }))
  const byId = new Map(entries.map((entry) => [entry.model.id, entry]))
  const secrets = [...providers.values()].flatMap((provider) => provider.secrets).filter((secret) => secret.length >= 8)
  return { entries, providers: [...providers.values()], find: (modelId) => byId.get(modelId), secrets }
}
