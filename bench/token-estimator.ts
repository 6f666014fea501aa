/**
 * What the o200k token estimator costs a request: the time to its first count (the encoding loads then), and the
 * per-request count of a Claude-Code-like conversation of about 10k, 100k and 400k tokens, cold (nothing memoised)
 * and warm (the same conversation grown by one turn, as each Claude Code turn is), with the JSON parse and decode the
 * gateway does anyway as the denominator, and the process RSS before and after loading. Not run by `bun test`:
 *
 *   npx bun bench/token-estimator.ts [GROWTH_STEPS]
 */
import { availableParallelism, cpus } from 'node:os'
import type { CanonicalRequest } from '../src/core/canonical.ts'
import { decodeRequest } from '../src/dialects/anthropic/decode-request.ts'
import { createTokenEstimator } from '../src/translate/token-estimator.ts'

const growthSteps = Number(process.argv[2] ?? 20)
const sizesTokens = [10_000, 100_000, 400_000]
/** Unmemoised (every request cold) repeats per size, for a median. */
const coldRepeats = 3

/**
 * Text to fill the conversations with: this repository's own TypeScript (what Claude Code reads most) and README
 * prose, so the encoder meets real code and English at their real token rates, not a small synthetic vocabulary
 * (which js-tiktoken encodes several times faster).
 */
const root = new URL('../', import.meta.url).pathname
const sources = [...new Bun.Glob('{src,test}/**/*.ts').scanSync({ cwd: root })].toSorted()
const files = await Promise.all(sources.map(async (path) => ({ path, lines: (await Bun.file(root + path).text()).split('\n') })))
const readme = await Bun.file(root + 'README.md').text()

/** `length` characters of the README from `offset`, wrapping around. */
function proseAt(offset: number, length: number): string {
  const start = offset % readme.length
  return (readme + readme).slice(start, start + length)
}

/** A file as Claude Code's Read tool returns it: numbered lines, at most 400 of them from `firstLine`. */
function readResult(file: { lines: string[] }, firstLine: number): string {
  const lines = file.lines.slice(0, 400)
  return lines.map((line, index) => `${String(firstLine + index).padStart(6)}\t${line}`).join('\n')
}

/**
 * Claude Code's shape: three system blocks, 18 long tool descriptions, then tool-using turns until the target size.
 * Each conversation starts at its own place in the sources and numbers its lines from its own offset, so no two
 * conversations (nor two reads within one) share a text: the first count of each is entirely cold.
 */
function conversationOf(seed: number, targetTokens: number) {
  let cursor = seed * 7_919
  const system = [{ type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1; cc_entrypoint=cli' }, { type: 'text', text: proseAt(cursor, 200) }, { type: 'text', text: proseAt(cursor + 200, 12_000) }]
  const tools = Array.from({ length: 18 }, (_, index) => ({
    name: `Tool${index}`,
    description: proseAt(cursor + 1_000 * index, 800 + 200 * (index % 5)),
    input_schema: {
      type: 'object',
      properties: {
        file_path: { type: 'string', description: proseAt(cursor + 31 * index, 80) },
        mode: { type: 'string', enum: ['read', 'write', 'append'], description: proseAt(cursor + 57 * index, 60) },
        edits: { type: 'array', items: { type: 'object', properties: { old_string: { type: 'string' }, new_string: { type: 'string' } }, required: ['old_string', 'new_string'] } },
        limit: { type: 'integer', description: proseAt(cursor + 91 * index, 40) },
      },
      required: ['file_path'],
    },
  }))
  const messages: Array<Record<string, unknown>> = [{ role: 'user', content: proseAt(cursor, 300) }]
  let turn = 0
  const grow = () => {
    cursor += 1
    turn += 1
    const id = `toolu_${seed}_${turn}`
    const file = files[(seed * 97 + turn) % files.length]!
    messages.push({ role: 'assistant', content: [{ type: 'text', text: proseAt(cursor * 131, 160) }, { type: 'tool_use', id, name: 'Tool1', input: { file_path: `/repo/${file.path}` } }] })
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: readResult(file, seed * 100_000 + turn * 1_000) }] })
  }
  // About four characters a token, the rate of prose and code.
  while (JSON.stringify(messages).length + JSON.stringify(tools).length + JSON.stringify(system).length < targetTokens * 4) grow()
  return { body: () => JSON.stringify({ model: 'gpt-5', max_tokens: 32_000, system, tools, messages }), grow }
}

const decode = (text: string): CanonicalRequest => decodeRequest(JSON.parse(text)).request
const median = (samples: number[]) => samples.toSorted((left, right) => left - right)[Math.floor(samples.length / 2)] ?? Number.NaN
const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(0)
const rss = () => {
  Bun.gc(true)
  return process.memoryUsage().rss
}

const rssBeforeBytes = rss()
const estimator = createTokenEstimator()
const loadStartMs = performance.now()
await estimator.countRequest(decode(JSON.stringify({ model: 'gpt-5', max_tokens: 1, messages: [{ role: 'user', content: 'Hello' }] })))
const firstCountMs = performance.now() - loadStartMs
const rssLoadedBytes = rss()

type Row = { tokens: number; grownTokens: number; decodeMs: number; coldMs: number; warmMs: number; repeatMs: number; unmemoisedMs: number }
const rows: Row[] = []
const conversations = sizesTokens.map((sizeTokens, index) => conversationOf(index + 1, sizeTokens))
for (const conversation of conversations) {
  let started = performance.now()
  const tokens = await estimator.countRequest(decode(conversation.body()))
  const coldMs = performance.now() - started
  const decodeSamples: number[] = []
  const warmSamples: number[] = []
  for (let step = 0; step < growthSteps; step++) {
    conversation.grow()
    const text = conversation.body()
    started = performance.now()
    const request = decode(text)
    decodeSamples.push(performance.now() - started)
    started = performance.now()
    await estimator.countRequest(request)
    warmSamples.push(performance.now() - started)
  }
  const repeatSamples: number[] = []
  let grownTokens = 0
  for (let step = 0; step < 10; step++) {
    const request = decode(conversation.body())
    started = performance.now()
    grownTokens = await estimator.countRequest(request)
    repeatSamples.push(performance.now() - started)
  }
  rows.push({ tokens, grownTokens, decodeMs: median(decodeSamples), coldMs, warmMs: median(warmSamples), repeatMs: median(repeatSamples), unmemoisedMs: Number.NaN })
}
const rssCountedBytes = rss()

// Every request cold, for a median: a second estimator with its memo off. It must count exactly what the memo did.
const unmemoised = createTokenEstimator({ memoEntriesMax: 0 })
await unmemoised.countRequest(decode(JSON.stringify({ model: 'gpt-5', max_tokens: 1, messages: [{ role: 'user', content: 'Hello' }] })))
for (const [index, conversation] of conversations.entries()) {
  const row = rows[index]!
  const samples: number[] = []
  for (let repeat = 0; repeat < coldRepeats; repeat++) {
    const request = decode(conversation.body())
    const started = performance.now()
    const tokens = await unmemoised.countRequest(request)
    samples.push(performance.now() - started)
    // A benchmark of wrong answers measures nothing: memoised and unmemoised counts must agree.
    if (tokens !== row.grownTokens) throw new Error(`unmemoised count ${tokens} differs from the memoised ${row.grownTokens}`)
  }
  row.unmemoisedMs = median(samples)
}

console.log(`Bun ${Bun.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'})`)
console.log('')
console.log(`time to first count (import + parse the ranks + count one message): ${firstCountMs.toFixed(0)} ms`)
console.log(`RSS before loading ${megabytes(rssBeforeBytes)} MB, after ${megabytes(rssLoadedBytes)} MB (+${megabytes(rssLoadedBytes - rssBeforeBytes)} MB); after the counts below (the benchmark's own conversations included), memo of ${estimator.stats().memoEntries} entries: ${megabytes(rssCountedBytes)} MB`)
console.log('')
console.log(`| conversation | tokens | JSON.parse + decode ms | first count (cold) ms | unmemoised ms (median of ${coldRepeats}) | grown by one turn ms (median of ${growthSteps}) | same request again ms | unmemoised ÷ grown | grown ÷ parse + decode |`)
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
for (const [index, row] of rows.entries()) {
  const cells = [
    `~${sizesTokens[index]! / 1_000}k`,
    row.tokens,
    row.decodeMs.toFixed(2),
    row.coldMs.toFixed(1),
    row.unmemoisedMs.toFixed(1),
    row.warmMs.toFixed(2),
    row.repeatMs.toFixed(2),
    `${(row.unmemoisedMs / row.warmMs).toFixed(0)}×`,
    `${(row.warmMs / row.decodeMs).toFixed(2)}`,
  ]
  console.log(`| ${cells.join(' | ')} |`)
}
