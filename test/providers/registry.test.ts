import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config/load.ts'
import { defaultLimits } from '../../src/config/schema.ts'
import { GatewayFailure } from '../../src/core/error.ts'
import type { UpstreamCall } from '../../src/core/provider.ts'
import { createCatalog } from '../../src/providers/registry.ts'
import { createFakeClock } from '../support/clock.ts'

type Sent = { url: string; headers: Headers }

/** A catalog whose Anthropic and OpenAI providers each pool two keys, over a fetch that records and answers 200. */
function pooledCatalog() {
  const sent: Sent[] = []
  const recordingFetch = async (input: string | URL | Request, init?: RequestInit) => {
    sent.push({ url: String(input), headers: new Headers(init?.headers) })
    return Response.json({})
  }
  const config = loadConfig(
    JSON.stringify({
      providers: [
        { id: 'anthropic', type: 'anthropic', baseUrl: 'https://anthropic.test', apiKeys: ['sk-ant-first-key', 'env:SECOND_ANTHROPIC_KEY'] },
        { id: 'openai', type: 'openai', baseUrl: 'https://openai.test/v1', apiKeys: ['sk-openai-first-key', 'sk-openai-second-key'], timeouts: { idleMs: 45_000 } },
      ],
      models: [
        { id: 'claude', provider: 'anthropic', pricing: { input: 3, output: 15 } },
        { id: 'gpt', provider: 'openai', pricing: { input: 1, output: 2 } },
      ],
    }),
    { SECOND_ANTHROPIC_KEY: 'sk-ant-second-key' },
  )
  if (!config.ok) throw new Error(config.errors.join('\n'))
  // The stub takes only what the providers pass; Bun's `typeof fetch` also carries `preconnect`, which they never use.
  const catalog = createCatalog(config.config, { fetch: recordingFetch as typeof fetch, now: createFakeClock().now })
  return { catalog, sent }
}

function call(operation: UpstreamCall['operation'], keyIndex: number): UpstreamCall {
  const headers = new Headers({ authorization: 'Bearer caller-gateway-key', 'x-api-key': 'caller-gateway-key' })
  return { operation, requestId: 'req_registry_test', search: '', body: '{}', headers, signal: new AbortController().signal, keyIndex }
}

describe('provider key pools', () => {
  test('Anthropic sends the pool key keyIndex names as x-api-key', async () => {
    const { catalog, sent } = pooledCatalog()
    const provider = catalog.find('claude')!.provider
    await provider.send(call('messages', 0))
    await provider.send(call('messages', 1))
    expect(sent.map((request) => request.url)).toEqual(['https://anthropic.test/v1/messages', 'https://anthropic.test/v1/messages'])
    expect(sent.map((request) => request.headers.get('x-api-key'))).toEqual(['sk-ant-first-key', 'sk-ant-second-key'])
    expect(sent.every((request) => !request.headers.has('authorization'))).toBe(true)
  })

  test('OpenAI sends the pool key keyIndex names as its Bearer token', async () => {
    const { catalog, sent } = pooledCatalog()
    const provider = catalog.find('gpt')!.provider
    await provider.send(call('chat-completions', 0))
    await provider.send(call('responses', 1))
    expect(sent.map((request) => request.headers.get('authorization'))).toEqual(['Bearer sk-openai-first-key', 'Bearer sk-openai-second-key'])
    expect(sent.every((request) => !request.headers.has('x-api-key'))).toBe(true)
    // The gateway's request id goes along for OpenAI to log beside its own; Anthropic documents no such header.
    expect(sent.map((request) => request.headers.get('x-client-request-id'))).toEqual(['req_registry_test', 'req_registry_test'])
  })

  test('a key index outside the pool is the gateway\'s bug: nothing is sent', () => {
    const { catalog, sent } = pooledCatalog()
    expect(() => catalog.find('claude')!.provider.send(call('messages', 2))).toThrow(GatewayFailure)
    expect(() => catalog.find('gpt')!.provider.send(call('chat-completions', -1))).toThrow(GatewayFailure)
    expect(sent).toEqual([])
  })

  test('every key of every pool is a secret to scrub, and each provider says how many it holds and its timeouts', () => {
    const { catalog } = pooledCatalog()
    expect(catalog.secrets).toEqual(['sk-ant-first-key', 'sk-ant-second-key', 'sk-openai-first-key', 'sk-openai-second-key'])
    const byId = new Map(catalog.providers.map((provider) => [provider.id, provider]))
    expect([...byId.keys()]).toEqual(['anthropic', 'openai', 'mock'])
    expect(byId.get('anthropic')!.secrets).toEqual(['sk-ant-first-key', 'sk-ant-second-key'])
    expect([...byId.values()].map((provider) => provider.keyCount)).toEqual([2, 2, 1])
    const defaults = { connectMs: defaultLimits.connectTimeoutMs, firstByteMs: defaultLimits.firstByteTimeoutMs, idleMs: defaultLimits.streamIdleTimeoutMs }
    expect(byId.get('anthropic')!.timeouts).toEqual(defaults)
    expect(byId.get('openai')!.timeouts).toEqual({ ...defaults, idleMs: 45_000 })
    expect(byId.get('mock')!.timeouts).toEqual(defaults)
  })
})
