/**
 * The o200k estimator against counts OpenAI itself reported (test/fixtures/token-counts, see the README there): each
 * recorded Chat request, decoded as the gateway decodes it, must be estimated within 3% of its `prompt_tokens`, or
 * within the fixture's own `toleranceRatio`, whose `toleranceReason` says what the canonical form cannot carry; the
 * mean absolute error, over the corpus and over each category, must stay within 3%.
 */
import { describe, expect, test } from 'bun:test'
import { readdirSync } from 'node:fs'
import { decodeRequest } from '../../src/dialects/openai-chat/decode-request.ts'
import type { OpenAIChatCompletionCreateParams } from '../../src/dialects/openai-chat/schema.ts'
import { createTokenEstimator } from '../../src/translate/token-estimator.ts'

type TokenCountFixture = {
  source: string
  interaction: string
  model: string
  category: 'chat' | 'multi-turn' | 'non-english' | 'tools' | 'tool-results' | 'structured-output'
  promptTokens: number
  toleranceRatio?: number
  toleranceReason?: string
  recordedContentLength?: number
  request: OpenAIChatCompletionCreateParams
}

const errorRatioMax = 0.03
const directory = new URL('../fixtures/token-counts/', import.meta.url)
const names = readdirSync(directory).filter((name) => name.endsWith('.json')).toSorted()
const fixtures = await Promise.all(names.map(async (name) => ({ name, ...((await Bun.file(new URL(name, directory)).json()) as TokenCountFixture) })))
const estimator = createTokenEstimator()
const errors = new Map<string, number>()

async function errorRatioOf(fixture: TokenCountFixture): Promise<number> {
  const decoded = decodeRequest(fixture.request)
  if ('error' in decoded) throw new Error(`${decoded.error.param}: ${decoded.error.message}`)
  const estimate = await estimator.countRequest(decoded.request, fixture.model)
  return (estimate - fixture.promptTokens) / fixture.promptTokens
}

describe('the corpus', () => {
  test('holds 20 or more recorded requests, each with its source pinned to a commit', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20)
    for (const fixture of fixtures) {
      expect(fixture.source).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+\/blob\/[0-9a-f]{40}\//)
      expect(Number.isSafeInteger(fixture.promptTokens) && fixture.promptTokens > 0).toBe(true)
      // A wider bound is an exception that must say why.
      if (fixture.toleranceRatio !== undefined) expect(fixture.toleranceReason?.length).toBeGreaterThan(40)
    }
  })

  test('a body whose recorded content-length is known re-serialises to exactly that length', () => {
    // vcrpy's JSON is compact for OpenAI's Python SDK, spaced (", ", ": ") for its older clients: either must match.
    const spaced = (value: unknown): string =>
      Array.isArray(value)
        ? `[${value.map(spaced).join(', ')}]`
        : typeof value === 'object' && value !== null
          ? `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${spaced(item)}`).join(', ')}}`
          : JSON.stringify(value)
    for (const fixture of fixtures.filter((item) => item.recordedContentLength !== undefined)) {
      const lengths = [Buffer.byteLength(JSON.stringify(fixture.request)), Buffer.byteLength(spaced(fixture.request))]
      expect(lengths).toContain(fixture.recordedContentLength as number)
    }
  })
})

describe('each recorded request', () => {
  for (const fixture of fixtures) {
    const bound = fixture.toleranceRatio ?? errorRatioMax
    test(`${fixture.name} (${fixture.category}, ${fixture.promptTokens} tokens): within ${bound * 100}%`, async () => {
      const error = await errorRatioOf(fixture)
      errors.set(fixture.name, error)
      expect(Math.abs(error)).toBeLessThanOrEqual(bound)
    })
  }
})

describe('the mean absolute error', () => {
  const meanOf = async (selected: typeof fixtures) => {
    let sum = 0
    for (const fixture of selected) sum += Math.abs(errors.get(fixture.name) ?? (await errorRatioOf(fixture)))
    return sum / selected.length
  }

  test('over the corpus is within 3%', async () => {
    expect(await meanOf(fixtures)).toBeLessThanOrEqual(errorRatioMax)
  })

  for (const category of new Set(fixtures.map((fixture) => fixture.category))) {
    test(`over ${category} is within 3%`, async () => {
      expect(await meanOf(fixtures.filter((fixture) => fixture.category === category))).toBeLessThanOrEqual(errorRatioMax)
    })
  }
})
