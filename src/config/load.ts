import { Value, type ValueError } from '@sinclair/typebox/value'
import type { UpstreamTimeouts } from '../core/provider.ts'
import { usdToMicros } from '../core/money.ts'
import { environmentCatalog, mockModel, mockProvider } from './defaults.ts'
import {
  ConfigFile,
  defaultAccounts,
  defaultLimits,
  HttpProviderConfig,
  MockProviderConfig,
  type Config,
  type Limits,
  type MailConfig,
  type PlanConfig,
  type ResolvedAccountsConfig,
  type ProviderConfig,
  type ResolvedHttpProviderConfig,
  type ResolvedProviderConfig,
} from './schema.ts'

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] }

type Environment = Readonly<Record<string, string | undefined>>

/**
 * Validates a config file's text (or, with none, builds the embedded default from the environment), resolves
 * `env:NAME` secrets (each key of a pool), applies default limits and timeouts, adds the built-in mock, and freezes
 * the result. Every error names the field it is about, as `models[2].pricing.input: …`.
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

  const limits: Limits = { ...defaultLimits, ...file.limits }
  if (limits.retryDelayMaxMs < limits.retryBaseDelayMs) {
    errors.push(`limits.retryDelayMaxMs: must be at least limits.retryBaseDelayMs (${limits.retryBaseDelayMs})`)
  }
  const providers: ResolvedProviderConfig[] = []
  file.providers.forEach((provider, index) => {
    const path = `/providers/${index}`
    const schema = provider.type === 'mock' ? MockProviderConfig : HttpProviderConfig
    const providerErrors = schemaErrors(schema, provider, path)
    if (providerErrors.length > 0) return errors.push(...providerErrors)
    const resolved = resolveProvider(provider as ProviderConfig, env, path, limits)
    if (Array.isArray(resolved)) return errors.push(...resolved)
    providers.push(resolved)
  })
  errors.push(...referenceErrors(file))
  if (errors.length > 0) return { ok: false, errors }

  const models = [...file.models]
  if (!providers.some((provider) => provider.id === mockProvider.id)) providers.push({ ...mockProvider, timeouts: defaultTimeouts(limits) })
  if (!models.some((model) => model.id === mockModel.id)) models.push(mockModel)
  const defaultPlan = file.defaultPlan === undefined ? undefined : file.plans?.find((plan) => plan.id === file.defaultPlan)
  const mail = resolveMail(file, env)
  if (typeof mail === 'string') return { ok: false, errors: [mail] }
  const config: Config = {
    providers,
    models,
    defaultPlan,
    plans: new Map((file.plans ?? []).map((plan) => [plan.id, plan])),
    limits,
    accounts: resolveAccounts(file),
    packs: file.packs ?? [],
    mail,
  }
  return { ok: true, config: deepFreeze(config) }
}

/** The plan an account is on: its own (when the config still has it), else the default plan, else none. */
export function planFor(config: Config, planId: string | null | undefined): PlanConfig | undefined {
  return (planId === null || planId === undefined ? undefined : config.plans.get(planId)) ?? config.defaultPlan
}

function resolveAccounts(file: ConfigFile): ResolvedAccountsConfig {
  const accounts = file.accounts ?? {}
  return {
    signup: accounts.signup ?? defaultAccounts.signup,
    signupCreditMicros: usdToMicros(file.signupCreditUsd ?? defaultAccounts.signupCreditUsd),
    sessionMs: (accounts.sessionHours ?? defaultAccounts.sessionHours) * 3_600_000,
    attemptsPerMinute: accounts.attemptsPerMinute ?? defaultAccounts.attemptsPerMinute,
    publicUrl: accounts.publicUrl?.replace(/\/+$/, ''),
    trustForwardedFor: accounts.trustForwardedFor ?? defaultAccounts.trustForwardedFor,
  }
}

/** The mail settings with the SMTP URL's `env:NAME` read, or the error naming the missing variable. */
function resolveMail(file: ConfigFile, env: Environment): MailConfig | undefined | string {
  if (file.mail === undefined) return undefined
  const smtpUrl = resolveSecret(file.mail.smtpUrl, env)
  if (!smtpUrl.ok) return `mail.smtpUrl: environment variable ${smtpUrl.name} is not set`
  if (!/^smtps?:\/\/[^\s/?#]+/.test(smtpUrl.value)) return 'mail.smtpUrl: must be an smtp:// or smtps:// URL'
  return { ...file.mail, smtpUrl: smtpUrl.value }
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

/** Every stage's timeout as the limits set it, for providers that name none of their own. */
function defaultTimeouts(limits: Limits): UpstreamTimeouts {
  return { connectMs: limits.connectTimeoutMs, firstByteMs: limits.firstByteTimeoutMs, idleMs: limits.streamIdleTimeoutMs }
}

/** Reads a provider's keys, folds `apiKey` into `apiKeys`, and sets each timeout it leaves out; or says what is wrong. */
function resolveProvider(provider: ProviderConfig, env: Environment, path: string, limits: Limits): ResolvedProviderConfig | string[] {
  if (provider.type === 'mock') return { ...provider, timeouts: defaultTimeouts(limits) }
  const { apiKey, apiKeys, timeouts, ...rest } = provider
  if ((apiKey === undefined) === (apiKeys === undefined)) {
    const problem = apiKey === undefined ? 'set apiKey (one key) or apiKeys (a pool of keys)' : 'set apiKey or apiKeys, not both'
    return [`${fieldName(`${path}/apiKeys`)}: ${problem}`]
  }
  const sources =
    apiKey !== undefined
      ? [{ text: apiKey, pointer: `${path}/apiKey` }]
      : (apiKeys ?? []).map((text, index) => ({ text, pointer: `${path}/apiKeys/${index}` }))
  const errors: string[] = []
  const resolvedKeys: string[] = []
  for (const source of sources) {
    const secret = resolveSecret(source.text, env)
    if (secret.ok) {
      const earlier = resolvedKeys.indexOf(secret.value)
      // A key listed twice would be used twice as often and rest as one; the message names the entries, never the key.
      if (earlier !== -1) errors.push(`${fieldName(source.pointer)}: the same key as apiKeys[${earlier}]`)
      resolvedKeys.push(secret.value)
    } else errors.push(`${fieldName(source.pointer)}: environment variable ${secret.name} is not set`)
  }
  if (errors.length > 0) return errors
  const resolved: ResolvedHttpProviderConfig = { ...rest, apiKeys: resolvedKeys, timeouts: { ...defaultTimeouts(limits), ...timeouts } }
  return resolved
}

/** A secret as written, or the value of the environment variable `env:NAME` names. */
function resolveSecret(text: string, env: Environment): { ok: true; value: string } | { ok: false; name: string } {
  if (!text.startsWith('env:')) return { ok: true, value: text }
  const name = text.slice('env:'.length)
  const value = env[name]
  return value === undefined || value === '' ? { ok: false, name } : { ok: true, value }
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
  errors.push(...fallbackErrors(file, modelIds))
  const planIds = new Set<string>()
  file.plans?.forEach((plan, index) => {
    if (planIds.has(plan.id)) errors.push(`plans[${index}].id: duplicate plan id "${plan.id}"`)
    planIds.add(plan.id)
  })
  if (file.defaultPlan !== undefined && !planIds.has(file.defaultPlan)) {
    errors.push(`defaultPlan: no plan with id "${file.defaultPlan}"`)
  }
  const packIds = new Set<string>()
  file.packs?.forEach((pack, index) => {
    if (packIds.has(pack.id)) errors.push(`packs[${index}].id: duplicate pack id "${pack.id}"`)
    packIds.add(pack.id)
  })
  return errors
}

/** Each fallback names another model of the catalog (the built-in mock included), once. */
function fallbackErrors(file: ConfigFile, modelIds: ReadonlySet<string>): string[] {
  const errors: string[] = []
  file.models.forEach((model, modelIndex) => {
    const listed = new Set<string>()
    model.fallbacks?.forEach((fallbackId, fallbackIndex) => {
      const field = `models[${modelIndex}].fallbacks[${fallbackIndex}]`
      if (fallbackId === model.id) errors.push(`${field}: a model cannot fall back to itself`)
      else if (!modelIds.has(fallbackId) && fallbackId !== mockModel.id) errors.push(`${field}: no model with id "${fallbackId}"`)
      else if (listed.has(fallbackId)) errors.push(`${field}: "${fallbackId}" is listed twice`)
      listed.add(fallbackId)
    })
  })
  return errors
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
