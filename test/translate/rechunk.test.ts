import { describe, expect, test } from 'bun:test'
import { dialects } from '../../src/dialects/index.ts'
import { passthroughStream, type StreamOutcome } from '../../src/translate/passthrough-stream.ts'
import { readFixture, rechunk, rechunkRandom } from '../support/fixtures.ts'
import {
  clientDialectOf,
  createGoldenTranslator,
  translateStream,
  translationPairs,
  upstreamDialectOf,
  upstreamScenarios,
  type TranslationPair,
} from '../support/translation.ts'

/*
 * Network chunking must never show in what the client receives: every upstream stream fixture, cut at 1, 7 and 64
 * bytes and at seeded random points (through multibyte characters, CRLF-free line ends and event boundaries alike),
 * gives the same translated bytes as the whole input in one piece, both through the bare pipeline (SSE parser →
 * translator → SSE writer) and through the relay the routes use (passthroughStream, which holds partial events).
 */

const encoder = new TextEncoder()
const fixedSizesBytes = [1, 7, 64]
/** Replay a failure from the seed in its test name. */
const seeds = [0x5eed, 1, 42, 2024, 987_654_321]

type CutSet = { name: string; cut: (text: string) => Uint8Array[] }

const cutSets: CutSet[] = [
  ...fixedSizesBytes.map((sizeBytes) => ({ name: `every ${sizeBytes} bytes`, cut: (text: string) => rechunk(text, sizeBytes) })),
  ...seeds.map((seed) => ({ name: `random cuts, seed ${seed}`, cut: (text: string) => rechunkRandom(text, seed) })),
]

const scenariosByPair = new Map<TranslationPair, string[]>()
for (const pair of translationPairs) scenariosByPair.set(pair, await upstreamScenarios(upstreamDialectOf(pair), '.stream.sse'))

/** The relay as the routes run it, over an upstream that delivers `chunks` one read at a time. */
async function relayed(pair: TranslationPair, chunks: Uint8Array[]): Promise<{ bytes: Uint8Array; outcome: StreamOutcome | undefined }> {
  let index = 0
  const upstream = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      const chunk = chunks[index++]
      if (chunk === undefined) controller.close()
      else controller.enqueue(chunk)
    },
  })
  let outcome: StreamOutcome | undefined
  const stream = passthroughStream(upstream, {
    tracker: dialects[clientDialectOf(pair)].createStreamTracker(),
    translator: createGoldenTranslator(pair),
    meter: dialects[upstreamDialectOf(pair)].createStreamMeter(),
    requestId: 'req_rechunk',
    keepaliveIntervalMs: 60_000,
    idleTimeoutMs: 60_000,
    eventBytesMax: 1024 * 1024,
    abortUpstream: () => undefined,
    onEnd: async (value) => {
      outcome = value
      return undefined
    },
    now: Date.now,
  })
  return { bytes: new Uint8Array(await new Response(stream).arrayBuffer()), outcome }
}

for (const pair of translationPairs) {
  describe(`${pair}: chunking never shows in the output`, () => {
    for (const scenario of scenariosByPair.get(pair) ?? []) {
      const path = `upstream/${upstreamDialectOf(pair)}/${scenario}.stream.sse`
      test(`${scenario}: the relay gives the bare pipeline's bytes for the whole input`, async () => {
        const upstream = encoder.encode(await readFixture(path))
        const whole = translateStream(pair, [upstream])
        // A translation that wrote nothing would make every comparison in this file pass trivially.
        expect(whole.length).toBeGreaterThan(200)
        const relay = await relayed(pair, [upstream])
        expect(Buffer.from(relay.bytes).equals(whole)).toBe(true)
        expect(relay.outcome).toBe(scenario === 'cut' ? 'cut' : scenario.startsWith('error') ? 'upstream-error' : 'completed')
      })
      for (const cutSet of cutSets) {
        test(`${scenario}, ${cutSet.name}: the pipeline and the relay give the whole-input bytes`, async () => {
          const upstream = await readFixture(path)
          const whole = translateStream(pair, [encoder.encode(upstream)])
          const chunks = cutSet.cut(upstream)
          expect(chunks.length).toBeGreaterThan(1)
          expect(Buffer.from(translateStream(pair, chunks)).equals(whole)).toBe(true)
          const relay = await relayed(pair, chunks)
          expect(Buffer.from(relay.bytes).equals(whole)).toBe(true)
          expect(relay.outcome).toBe((await relayed(pair, [encoder.encode(upstream)])).outcome)
        })
      }
    }
  })
}
