import { describe, expect, test } from 'bun:test'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { readFixture, rechunk, rechunkRandom } from './fixtures.ts'

const upstreamDirectory = join(import.meta.dir, '..', 'fixtures', 'upstream')

type Frame = { event: string | undefined; data: string }

/** A deliberately naive parser: these fixtures are LF-framed with one data line per event, and this test pins that. */
function frames(text: string): Frame[] {
  return text
    .split('\n\n')
    .filter((block) => block.length > 0)
    .map((block) => {
      const lines = block.split('\n')
      const eventLine = lines.find((line) => line.startsWith('event: '))
      const dataLines = lines.filter((line) => line.startsWith('data: '))
      expect(dataLines).toHaveLength(1)
      return { event: eventLine?.slice('event: '.length), data: (dataLines[0] ?? '').slice('data: '.length) }
    })
}

async function fixtureNames(dialect: string, suffix: string): Promise<string[]> {
  return (await readdir(join(upstreamDirectory, dialect))).filter((name) => name.endsWith(suffix)).sort()
}

describe('rechunk', () => {
  const text = 'a👋🏽b你好'

  test('cuts at a fixed size, inside multibyte characters', () => {
    const chunks = rechunk(text, 3)
    expect(chunks.every((chunk, index) => chunk.length === 3 || index === chunks.length - 1)).toBe(true)
    expect(Buffer.concat(chunks).toString('utf8')).toBe(text)
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(chunks[0])).toThrow()
  })

  test('random cuts are repeatable from the seed and lose no byte', () => {
    const first = rechunkRandom(text.repeat(20), 42)
    expect(rechunkRandom(text.repeat(20), 42)).toEqual(first)
    expect(rechunkRandom(text.repeat(20), 43)).not.toEqual(first)
    expect(Buffer.concat(first).toString('utf8')).toBe(text.repeat(20))
  })

  test('rejects a size that would loop forever', () => {
    expect(() => rechunk(text, 0)).toThrow()
    expect(() => rechunkRandom(text, 1, 0)).toThrow()
  })

  test('readFixture stays inside test/fixtures', async () => {
    await expect(readFixture('../support/fixtures.ts')).rejects.toThrow()
  })
})

describe('upstream fixtures', () => {
  test('every stream ends with a blank line and every data line is JSON', async () => {
    for (const dialect of ['anthropic', 'openai-chat', 'openai-responses']) {
      for (const name of await fixtureNames(dialect, '.stream.sse')) {
        const text = await readFixture(`upstream/${dialect}/${name}`)
        expect(text).toEndWith('\n\n')
        for (const frame of frames(text))
          if (frame.data !== '[DONE]') expect(() => JSON.parse(frame.data)).not.toThrow()
      }
    }
  })

  test('Anthropic events name their type, open with message_start, and end with message_stop when complete', async () => {
    for (const name of await fixtureNames('anthropic', '.stream.sse')) {
      const events = frames(await readFixture(`upstream/anthropic/${name}`))
      for (const frame of events) expect(JSON.parse(frame.data).type).toBe(frame.event)
      expect(events[0]?.event).toBe('message_start')
      expect(events.filter((frame) => frame.event === 'ping')).toHaveLength(1)
      const complete = events.at(-1)?.event === 'message_stop'
      expect(complete).toBe(name !== 'cut.stream.sse' && name !== 'error-midstream.stream.sse')
    }
  })

  test('Anthropic tool input fragments join into the JSON object, the first fragment empty', async () => {
    for (const name of ['tool-use.stream.sse', 'thinking-tool-use.stream.sse']) {
      const deltas = frames(await readFixture(`upstream/anthropic/${name}`))
        .map((frame) => JSON.parse(frame.data))
        .filter((event) => event.delta?.type === 'input_json_delta')
      expect(deltas[0].delta.partial_json).toBe('')
      expect(JSON.parse(deltas.map((event) => event.delta.partial_json).join(''))).toBeObject()
    }
  })

  test('Chat streams carry "usage":null until the usage chunk, then [DONE], except the cut one', async () => {
    for (const name of await fixtureNames('openai-chat', '.stream.sse')) {
      const data = frames(await readFixture(`upstream/openai-chat/${name}`)).map((frame) => frame.data)
      const cut = name === 'cut.stream.sse'
      expect(data.at(-1) === '[DONE]').toBe(!cut)
      const chunks = data.filter((line) => line !== '[DONE]').map((line) => JSON.parse(line))
      expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1)
      if (!cut) {
        expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true)
        expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: expect.any(Number) } })
      }
    }
  })

  test('Responses events count sequence_number from 0 and end with response.completed', async () => {
    for (const name of await fixtureNames('openai-responses', '.stream.sse')) {
      const events = frames(await readFixture(`upstream/openai-responses/${name}`))
      const payloads = events.map((frame) => JSON.parse(frame.data))
      expect(payloads.map((payload) => payload.sequence_number)).toEqual(payloads.map((_payload, index) => index))
      for (const [index, payload] of payloads.entries()) expect(payload.type).toBe(events[index]?.event)
      expect(events.at(-1)?.event).toBe('response.completed')
    }
  })

  test('every complete body parses as JSON', async () => {
    for (const dialect of ['anthropic', 'openai-chat', 'openai-responses']) {
      for (const name of await fixtureNames(dialect, '.json')) {
        expect(JSON.parse(await readFixture(`upstream/${dialect}/${name}`))).toBeObject()
      }
    }
  })
})
