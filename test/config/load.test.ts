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
    expect(anthropic).toMatchObject({ apiKey: 'sk-ant-from-env' })
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
    expect(both.config.providers).toContainEqual({ id: 'anthropic', type: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKey: 'sk-ant-x' })
    expect(both.config.providers).toContainEqual({ id: 'openai', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-x' })
    expect(both.config.models.some((model) => model.provider === 'anthropic')).toBe(true)
    expect(both.config.models.some((model) => model.provider === 'openai')).toBe(true)
  })
})
