import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config/load.ts'
import { defaultLimits } from '../../src/config/schema.ts'

const valid = {
  providers: [
    { id: 'anthropic', type: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKey: 'env:TEST_ANTHROPIC_KEY' },
    { id: 'openai', type: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-inline' },
  ],
  models: [
    { id: 'claude-sonnet-4-6', provider: 'anthropic', pricing: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 } },
    { id: 'fast', provider: 'openai', upstreamId: 'gpt-5-mini', displayName: 'Fast', created: 1_700_000_000, pricing: { input: 0.25, output: 2 } },
  ],
}

const errorsOf = (config: unknown, env: Record<string, string> = { TEST_ANTHROPIC_KEY: 'sk-ant' }) => {
  const result = loadConfig(JSON.stringify(config), env)
  if (result.ok) throw new Error('expected the config to be refused')
  return result.errors
}

describe('loadConfig', () => {
  test('accepts the documented shape, resolves env: secrets, adds the mock, applies default limits, freezes', () => {
    const result = loadConfig(JSON.stringify(valid), { TEST_ANTHROPIC_KEY: 'sk-ant-from-env' })
    if (!result.ok) throw new Error(result.errors.join('\n'))
    const anthropic = result.config.providers.find((provider) => provider.id === 'anthropic')
    expect(anthropic).toMatchObject({ apiKeys: ['sk-ant-from-env'] })
    expect(anthropic).not.toHaveProperty('apiKey')
    expect(result.config.models.map((model) => model.id)).toEqual(['claude-sonnet-4-6', 'fast', 'anvat-echo'])
    expect(result.config.providers.map((provider) => provider.id)).toEqual(['anthropic', 'openai', 'mock'])
    expect(result.config.limits).toEqual(defaultLimits)
    expect(Object.isFrozen(result.config.models[0]!.pricing)).toBe(true)
  })

  test('each error names its field', () => {
    expect(errorsOf({ ...valid, models: [{ ...valid.models[0], pricing: { input: 'three', output: 15 } }] })).toContain(
      'models[0].pricing.input: Expected number',
    )
    expect(errorsOf({ ...valid, models: [{ ...valid.models[0], provider: 'nobody' }] })).toEqual(['models[0].provider: no provider with id "nobody"'])
    expect(errorsOf({ ...valid, providers: [{ ...valid.providers[1], baseUrl: 'ftp://x' }] }).join()).toContain('providers[0].baseUrl')
    expect(errorsOf({ ...valid, providers: [{ id: 'x', type: 'openai', baseUrl: 'https://x' }] }).join()).toContain('providers[0].apiKey')
    expect(errorsOf({ ...valid, models: [{ ...valid.models[0], pricng: {} }] }).join()).toContain('models[0]')
    expect(errorsOf({ ...valid, limits: { bodyBytesMax: 10 } }).join()).toContain('limits.bodyBytesMax')
    expect(errorsOf(valid, {})).toEqual(['providers[0].apiKey: environment variable TEST_ANTHROPIC_KEY is not set'])
    expect(errorsOf({ ...valid, models: [valid.models[0], valid.models[0]] })).toEqual(['models[1].id: duplicate model id "claude-sonnet-4-6"'])
  })

  test('refuses text that is not JSON', () => {
    const result = loadConfig('{ providers: [] ', {})
    expect(result.ok).toBe(false)
  })

  test('with no file, providers come from the environment, and the mock is always there', () => {
    const bare = loadConfig(undefined, {})
    if (!bare.ok) throw new Error(bare.errors.join())
    expect(bare.config.models.map((model) => model.id)).toEqual(['anvat-echo'])
    const both = loadConfig(undefined, { ANTHROPIC_API_KEY: 'sk-ant-x', OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' })
    if (!both.ok) throw new Error(both.errors.join())
    const timeouts = { connectMs: defaultLimits.connectTimeoutMs, firstByteMs: defaultLimits.firstByteTimeoutMs, idleMs: defaultLimits.streamIdleTimeoutMs }
    expect(both.config.providers).toContainEqual({ id: 'anthropic', type: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKeys: ['sk-ant-x'], timeouts })
    expect(both.config.providers).toContainEqual({ id: 'openai', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKeys: ['sk-x'], timeouts })
    expect(both.config.models.some((model) => model.provider === 'anthropic')).toBe(true)
    expect(both.config.models.some((model) => model.provider === 'openai')).toBe(true)
  })
})

const [anthropicProvider, openaiProvider] = valid.providers
const [claudeModel, fastModel] = valid.models

const loaded = (config: unknown, env: Record<string, string> = { TEST_ANTHROPIC_KEY: 'sk-ant' }) => {
  const result = loadConfig(JSON.stringify(config), env)
  if (!result.ok) throw new Error(result.errors.join('\n'))
  return result.config
}

describe('loadConfig: key pools', () => {
  test('apiKeys resolves each env: key on its own and keeps the order', () => {
    const pooled = { ...anthropicProvider, apiKey: undefined, apiKeys: ['env:FIRST_KEY', 'sk-ant-inline', 'env:THIRD_KEY'] }
    const config = loaded({ ...valid, providers: [pooled, openaiProvider] }, { FIRST_KEY: 'sk-ant-1', THIRD_KEY: 'sk-ant-3' })
    const provider = config.providers[0]
    if (provider?.type !== 'anthropic') throw new Error('expected the anthropic provider first')
    expect(provider.apiKeys).toEqual(['sk-ant-1', 'sk-ant-inline', 'sk-ant-3'])
    expect(Object.isFrozen(provider.apiKeys)).toBe(true)
  })

  test('an unset variable is named with the entry it belongs to', () => {
    const pooled = { ...anthropicProvider, apiKey: undefined, apiKeys: ['sk-ant-inline', 'env:MISSING_KEY'] }
    expect(errorsOf({ ...valid, providers: [pooled, openaiProvider] })).toEqual(['providers[0].apiKeys[1]: environment variable MISSING_KEY is not set'])
  })

  test('exactly one of apiKey and apiKeys', () => {
    const neither = { id: 'openai', type: 'openai', baseUrl: 'https://x' }
    expect(errorsOf({ ...valid, providers: [anthropicProvider, neither] })).toEqual(['providers[1].apiKeys: set apiKey (one key) or apiKeys (a pool of keys)'])
    const both = { ...openaiProvider, apiKeys: ['sk-other'] }
    expect(errorsOf({ ...valid, providers: [anthropicProvider, both] })).toEqual(['providers[1].apiKeys: set apiKey or apiKeys, not both'])
  })

  test('apiKeys holds 1 to 64 distinct keys, and the error never shows a key', () => {
    const pool = (apiKeys: string[]) => ({ ...valid, providers: [anthropicProvider, { ...openaiProvider, apiKey: undefined, apiKeys }] })
    expect(errorsOf(pool([])).join()).toContain('providers[1].apiKeys')
    expect(errorsOf(pool(Array.from({ length: 65 }, (_, index) => `sk-${index}`))).join()).toContain('providers[1].apiKeys')
    expect(loaded(pool(Array.from({ length: 64 }, (_, index) => `sk-${index}`))).providers[1]).toMatchObject({ id: 'openai' })
    const duplicated = { ...valid, providers: [anthropicProvider, { ...openaiProvider, apiKey: undefined, apiKeys: ['sk-same', 'env:SAME'] }] }
    const errors = errorsOf(duplicated, { TEST_ANTHROPIC_KEY: 'sk-ant', SAME: 'sk-same' })
    expect(errors).toEqual(['providers[1].apiKeys[1]: the same key as apiKeys[0]'])
  })
})

describe('loadConfig: timeouts', () => {
  test('a provider\'s own timeouts override the limits, stage by stage; the mock gets the limits\'', () => {
    const config = loaded({
      ...valid,
      providers: [{ ...anthropicProvider, timeouts: { firstByteMs: 120_000 } }, openaiProvider],
      limits: { connectTimeoutMs: 5_000, streamIdleTimeoutMs: 90_000 },
    })
    expect(config.providers.map((provider) => provider.timeouts)).toEqual([
      { connectMs: 5_000, firstByteMs: 120_000, idleMs: 90_000 },
      { connectMs: 5_000, firstByteMs: defaultLimits.firstByteTimeoutMs, idleMs: 90_000 },
      { connectMs: 5_000, firstByteMs: defaultLimits.firstByteTimeoutMs, idleMs: 90_000 },
    ])
  })

  test('timeouts are closed, whole and bounded', () => {
    const withTimeouts = (timeouts: unknown) => ({ ...valid, providers: [{ ...anthropicProvider, timeouts }, openaiProvider] })
    expect(errorsOf(withTimeouts({ connectMs: 99 })).join()).toContain('providers[0].timeouts.connectMs')
    expect(errorsOf(withTimeouts({ firstByteMs: 1500.5 })).join()).toContain('providers[0].timeouts.firstByteMs')
    expect(errorsOf(withTimeouts({ idleMs: 86_400_001 })).join()).toContain('providers[0].timeouts.idleMs')
    expect(errorsOf(withTimeouts({ readMs: 1000 })).join()).toContain('providers[0].timeouts')
    expect(loaded(withTimeouts({ connectMs: 100, firstByteMs: 86_400_000, idleMs: 1000 })).providers[0]!.timeouts).toEqual({ connectMs: 100, firstByteMs: 86_400_000, idleMs: 1000 })
  })
})

describe('loadConfig: fallbacks', () => {
  const withFallbacks = (fallbacks: string[]) => ({ ...valid, models: [{ ...claudeModel, fallbacks }, fastModel] })

  test('may name any other model, the built-in mock included, and are kept in order', () => {
    const config = loaded(withFallbacks(['fast', 'anvat-echo']))
    expect(config.models[0]!.fallbacks).toEqual(['fast', 'anvat-echo'])
  })

  test('refuses unknown ids, the model itself, and duplicates, naming the entry', () => {
    expect(errorsOf(withFallbacks(['nobody']))).toEqual(['models[0].fallbacks[0]: no model with id "nobody"'])
    expect(errorsOf(withFallbacks(['fast', 'claude-sonnet-4-6']))).toEqual(['models[0].fallbacks[1]: a model cannot fall back to itself'])
    expect(errorsOf(withFallbacks(['fast', 'fast']))).toEqual(['models[0].fallbacks[1]: "fast" is listed twice'])
  })

  test('lists at most 8', () => {
    const many = Array.from({ length: 9 }, (_, index) => `model-${index}`)
    const models = [{ ...claudeModel, fallbacks: many }, ...many.map((id) => ({ ...fastModel, id }))]
    expect(errorsOf({ ...valid, models }).join()).toContain('models[0].fallbacks')
  })
})

describe('loadConfig: retry and key limits', () => {
  test('defaults leave long reasoning answers room and retry a little', () => {
    const { limits } = loaded(valid)
    expect(limits).toMatchObject({
      retryAttemptsMax: 3,
      retryBaseDelayMs: 500,
      retryDelayMaxMs: 8_000,
      retryDeadlineMs: 60_000,
      retryAfterMaxMs: 20_000,
      keyCooldownMs: 300_000,
      keyRateLimitCooldownMs: 30_000,
      keyRateLimitStrikes: 3,
      connectTimeoutMs: 10_000,
      firstByteTimeoutMs: 600_000,
      streamIdleTimeoutMs: 600_000,
    })
  })

  test('each is bounded, and the delay cap is no smaller than the first delay', () => {
    expect(errorsOf({ ...valid, limits: { retryAttemptsMax: 0 } }).join()).toContain('limits.retryAttemptsMax')
    expect(errorsOf({ ...valid, limits: { keyRateLimitStrikes: 0 } }).join()).toContain('limits.keyRateLimitStrikes')
    expect(errorsOf({ ...valid, limits: { firstByteTimeoutMs: 999 } }).join()).toContain('limits.firstByteTimeoutMs')
    expect(errorsOf({ ...valid, limits: { retryBaseDelayMs: 2_000, retryDelayMaxMs: 1_000 } })).toEqual([
      'limits.retryDelayMaxMs: must be at least limits.retryBaseDelayMs (2000)',
    ])
    expect(loaded({ ...valid, limits: { retryAttemptsMax: 1 } }).limits.retryAttemptsMax).toBe(1)
  })
})
