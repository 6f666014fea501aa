import { Value, type ValueError } from '@sinclair/typebox/value'
import { environmentCatalog, mockModel, mockProvider } from './defaults.ts'
import {
  ConfigFile,
  defaultLimits,
  HttpProviderConfig,
  MockProviderConfig,
  type Config,
  type ProviderConfig,
} from './schema.ts'

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] }

type Environment = Readonly<Record<string, string | undefined>>

/**
 * Validates a config file's text (or, with none, builds the embedded default from the environment), resolves
 * `env:NAME` secrets, applies default limits, adds the built-in mock, and freezes the result. Every error names the
 * field it is about, as `models[2].pricing.input: …`.
 */
export function loadConfig(text: string | undefined, env: Environment): ConfigResult {
  let raw: unknown
  if (text === undefined) raw = environmentCatalog(env)
  else {
    try {
      raw = JSON.parse(text)
    } catch (error) {
      return { ok: false, errors: [`config is not valid JSON: ${(error as Error).message}`] }
    }
  }
  const errors = schemaErrors(ConfigFile, raw, '')
  if (errors.length > 0) return { ok: false, errors }
  const file = raw as ConfigFile

  const providers: ProviderConfig[] = []
  file.providers.forEach((provider, index) => {
    const path = `/providers/${index}`
    const schema = provider.type === 'mock' ? MockProviderConfig : HttpProviderConfig
    const providerErrors = schemaErrors(schema, provider, path)
    if (providerErrors.length > 0) return errors.push(...providerErrors)
    const resolved = resolveSecret(provider as ProviderConfig, env, path)
    if (typeof resolved === 'string') return errors.push(resolved)
    providers.push(resolved)
  })
  errors.push(...referenceErrors(file))
  if (errors.length > 0) return { ok: false, errors }

  const models = [...file.models]
  if (!providers.some((provider) => provider.id === mockProvider.id)) providers.push(mockProvider)
  if (!models.some((model) => model.id === mockModel.id)) models.push(mockModel)
  const defaultPlan = file.defaultPlan === undefined ? undefined : file.plans?.find((plan) => plan.id === file.defaultPlan)
  const config: Config = { providers, models, defaultPlan, limits: { ...defaultLimits, ...file.limits } }
  return { ok: true, config: deepFreeze(config) }
}

function schemaErrors(schema: Parameters<typeof Value.Errors>[0], value: unknown, pathPrefix: string): string[] {
  return [...Value.Errors(schema, value)].slice(0, 10).map((error) => describe(error, pathPrefix))
}

function describe(error: ValueError, pathPrefix: string): string {
  return `${fieldName(pathPrefix + error.path)}: ${error.message}`
}

/** `/models/2/pricing/input` → `models[2].pricing.input`. */
export function fieldName(pointer: string): string {
  if (pointer === '') return 'config'
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name === '' ? part : `${name}.${part}`), '')
}

function resolveSecret(provider: ProviderConfig, env: Environment, path: string): ProviderConfig | string {
  if (provider.type === 'mock' || !provider.apiKey.startsWith('env:')) return provider
  const name = provider.apiKey.slice('env:'.length)
  const value = env[name]
  if (value === undefined || value === '') {
    return `${fieldName(`${path}/apiKey`)}: environment variable ${name} is not set`
  }
  return { ...provider, apiKey: value }
}

function referenceErrors(file: ConfigFile): string[] {
  const errors: string[] = []
  const providerIds = new Set<string>()
  file.providers.forEach((provider, index) => {
    if (providerIds.has(provider.id)) errors.push(`providers[${index}].id: duplicate provider id "${provider.id}"`)
    providerIds.add(provider.id)
  })
  providerIds.add(mockProvider.id)
  const modelIds = new Set<string>()
  file.models.forEach((model, index) => {
    if (modelIds.has(model.id)) errors.push(`models[${index}].id: duplicate model id "${model.id}"`)
    modelIds.add(model.id)
    if (!providerIds.has(model.provider)) {
      errors.push(`models[${index}].provider: no provider with id "${model.provider}"`)
    }
  })
  const planIds = new Set<string>()
  file.plans?.forEach((plan, index) => {
    if (planIds.has(plan.id)) errors.push(`plans[${index}].id: duplicate plan id "${plan.id}"`)
    planIds.add(plan.id)
  })
  if (file.defaultPlan !== undefined && !planIds.has(file.defaultPlan)) {
    errors.push(`defaultPlan: no plan with id "${file.defaultPlan}"`)
  }
  return errors
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
