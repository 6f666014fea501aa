/**
 * Seeded fuzzing of the request envelope: mutated and random bodies, headers and paths must always get a 4xx (or a
 * 2xx for a body that happens to stay valid) in the caller's dialect — never a 500, never a crash, never a hang.
 */
import { describe, expect, test } from 'bun:test'
import { seededRandom } from '../support/fixtures.ts'
import { useRouteGateway } from '../support/gateway.ts'

const routeGateway = useRouteGateway({ limits: { bodyBytesMax: 256 * 1024 } })

const validBodies: Record<string, unknown> = {
  '/v1/messages': { model: 'anvat-echo', max_tokens: 8, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: false },
  '/v1/messages/count_tokens': { model: 'anvat-echo', messages: [{ role: 'user', content: 'hi' }] },
  '/v1/chat/completions': { model: 'anvat-echo', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 },
  '/v1/responses': { model: 'anvat-echo', input: [{ role: 'user', content: 'hi' }], max_output_tokens: 8 },
}

const strange: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, -1e308, '', 'x', '\u0000', '\ud800', [], {}, [[[]]], { a: { b: {} } }, 'anvat-echo', 2 ** 53, -(2 ** 63)]

/** Replaces, deletes or retypes one value somewhere in the body. */
function mutate(value: unknown, random: () => number, depth = 0): unknown {
  const pick = <T,>(items: readonly T[]) => items[Math.floor(random() * items.length)]!
  if (depth > 0 && random() < 0.25) return pick(strange)
  if (Array.isArray(value)) {
    if (value.length === 0 || random() < 0.2) return [...value, pick(strange)]
    const index = Math.floor(random() * value.length)
    return value.map((item, position) => (position === index ? mutate(item, random, depth + 1) : item))
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
    if (entries.length === 0 || random() < 0.15) return { ...value, [pick(['model', 'messages', 'stream', 'tools', 'role', 'type', 'x'])]: pick(strange) }
    const [key] = pick(entries)
    if (random() < 0.2) return Object.fromEntries(entries.filter(([name]) => name !== key))
    return Object.fromEntries(entries.map(([name, item]) => [name, name === key ? mutate(item, random, depth + 1) : item]))
  }
  return pick(strange)
}

/** Damages the JSON text itself: truncation, stray bytes, duplicated keys. */
function damage(text: string, random: () => number): string | Uint8Array {
  switch (Math.floor(random() * 5)) {
    case 0:
      return text.slice(0, Math.floor(random() * text.length))
    case 1:
      return text.replace(/"model"/, '"model":"anvat-echo","model"')
    case 2: {
      const bytes = new TextEncoder().encode(text)
      bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256)
      return bytes
    }
    case 3:
      return `${'['.repeat(Math.floor(random() * 300))}${text}`
    default:
      return text + ' '.repeat(Math.floor(random() * 4)) + (random() < 0.5 ? '}' : '')
  }
}

describe('fuzzed requests', () => {
  for (const [path, valid] of Object.entries(validBodies)) {
    test(`${path}: 300 mutated bodies never get a 5xx`, async () => {
      const random = seededRandom(path.length * 7919)
      for (let round = 0; round < 300; round++) {
        const mutated = JSON.stringify(mutate(valid, random))
        const body = random() < 0.3 ? damage(mutated, random) : mutated
        const response = await routeGateway.gateway.handle(path, { method: 'POST', body, headers: { 'content-type': random() < 0.5 ? 'application/json' : 'text/plain' } })
        const text = await response.text()
        if (response.status >= 500) throw new Error(`${path} answered ${response.status} to ${String(body).slice(0, 300)}: ${text.slice(0, 300)}`)
        if (response.status >= 400) {
          const parsed = JSON.parse(text) as { type?: string; error?: { message?: string } }
          expect(typeof parsed.error?.message).toBe('string')
          if (path.startsWith('/v1/messages')) expect(parsed.type).toBe('error')
        }
      }
    }, 60_000)
  }

  test('odd methods, paths and headers get a 4xx in the caller dialect', async () => {
    const random = seededRandom(42)
    const paths = ['/v1/messages', '/v1/chat/completions', '/v1/models', '/v1/models/%00', '/v1/models/../../etc', '/v1//messages', '/v1/responses?x=%ff', '/admin/keys', '/v1/balance']
    for (let round = 0; round < 100; round++) {
      const path = paths[Math.floor(random() * paths.length)]!
      const method = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'][Math.floor(random() * 5)]!
      const headers: Record<string, string> = { authorization: random() < 0.5 ? `Bearer ${routeGateway.gateway.key}` : `Bearer ${'x'.repeat(Math.floor(random() * 2000))}` }
      if (random() < 0.3) headers['x-api-key'] = random() < 0.5 ? '' : 'anv_\u00e9'
      const response = await routeGateway.gateway.handle(path, { method, headers, ...(method === 'GET' ? {} : { body: '{}' }) })
      expect(response.status).toBeLessThan(500)
      await response.text()
    }
  })
})
