import type { MockProviderConfig, ModelConfig, ProviderConfig } from './schema.ts'

/*
 * The catalog used when no config file is given: each vendor whose key is in the environment, with its current
 * models at list prices (USD per million tokens; cache writes 1.25x input for 5 minutes, 2x for an hour, reads 0.1x
 * on Anthropic). A config file replaces all of this; the mock provider is added either way.
 * @see https://docs.anthropic.com/en/docs/about-claude/pricing
 * @see https://platform.openai.com/docs/pricing
 */

export const mockProviderId = 'mock'
export const mockModelId = 'anvat-echo'

export const mockProvider: MockProviderConfig = { id: mockProviderId, type: 'mock' }

export const mockModel: ModelConfig = {
  id: mockModelId,
  provider: mockProviderId,
  displayName: 'Anvat Echo (built-in mock)',
  created: 1_767_225_600,
  pricing: { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
}

const anthropicModels: ModelConfig[] = [
  { id: 'claude-opus-4-6', provider: 'anthropic', displayName: 'Claude Opus 4.6', created: 1_770_249_600, pricing: { input: 5, output: 25, cacheWrite: 6.25, cacheWrite1h: 10, cacheRead: 0.5 } },
  { id: 'claude-sonnet-4-6', provider: 'anthropic', displayName: 'Claude Sonnet 4.6', created: 1_771_286_400, pricing: { input: 3, output: 15, cacheWrite: 3.75, cacheWrite1h: 6, cacheRead: 0.3 } },
  { id: 'claude-haiku-4-5', provider: 'anthropic', displayName: 'Claude Haiku 4.5', created: 1_760_486_400, pricing: { input: 1, output: 5, cacheWrite: 1.25, cacheWrite1h: 2, cacheRead: 0.1 } },
]

const openaiModels: ModelConfig[] = [
  { id: 'gpt-5', provider: 'openai', displayName: 'GPT-5', created: 1_754_524_800, pricing: { input: 1.25, output: 10, cacheRead: 0.125 } },
  { id: 'gpt-5-mini', provider: 'openai', displayName: 'GPT-5 mini', created: 1_754_524_800, pricing: { input: 0.25, output: 2, cacheRead: 0.025 } },
  { id: 'gpt-4.1', provider: 'openai', displayName: 'GPT-4.1', created: 1_744_675_200, pricing: { input: 2, output: 8, cacheRead: 0.5 } },
]

/** Providers and models from `ANTHROPIC_API_KEY` / `OPENAI_API_KEY` (and their `*_BASE_URL`) when set. */
export function environmentCatalog(env: Readonly<Record<string, string | undefined>>): {
  providers: ProviderConfig[]
  models: ModelConfig[]
} {
  const providers: ProviderConfig[] = []
  const models: ModelConfig[] = []
  if (env.ANTHROPIC_API_KEY) {
    const baseUrl = env.ANTHROPIC_BASE_URL || 'https://api.anthropic.com'
    providers.push({ id: 'anthropic', type: 'anthropic', baseUrl, apiKey: 'env:ANTHROPIC_API_KEY' })
    models.push(...anthropicModels)
  }
  if (env.OPENAI_API_KEY) {
    const baseUrl = env.OPENAI_BASE_URL || 'https://api.openai.com/v1'
    providers.push({ id: 'openai', type: 'openai', baseUrl, apiKey: 'env:OPENAI_API_KEY' })
    models.push(...openaiModels)
  }
  return { providers, models }
}
