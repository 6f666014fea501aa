import { expect, test } from 'bun:test'
import { GatewayFailure } from '../../src/core/error.ts'
import { jsonNestingDepth, parseJsonBody, readBodyText } from '../../src/server/body.ts'

function failureOf(run: () => unknown) {
  try {
    run()
  } catch (error) {
    if (error instanceof GatewayFailure) return error.error
    throw error
  }
  throw new Error('expected a GatewayFailure')
}

async function asyncFailureOf(run: () => Promise<unknown>) {
  try {
    await run()
  } catch (error) {
    if (error instanceof GatewayFailure) return error.error
    throw error
  }
  throw new Error('expected a GatewayFailure')
}

test('nesting depth ignores brackets inside strings', () => {
  expect(jsonNestingDepth('{"a":"[[[{{{","b":[[1]]}')).toBe(3)
  expect(jsonNestingDepth('{"a":"\\"[[["}')).toBe(1)
})

test('refuses nesting past the limit, empty bodies and bad JSON with 400s', () => {
  expect(failureOf(() => parseJsonBody(`${'['.repeat(20)}${']'.repeat(20)}`, 10))).toMatchObject({ status: 400, message: expect.stringContaining('10 levels') })
  expect(failureOf(() => parseJsonBody('  ', 10))).toMatchObject({ status: 400, message: expect.stringContaining('empty') })
  expect(failureOf(() => parseJsonBody('{"a":', 10))).toMatchObject({ status: 400, message: expect.stringContaining('not valid JSON') })
  expect(parseJsonBody('{"a":[1]}', 10)).toEqual({ a: [1] })
})

test('refuses bodies over the limit by content-length and by counted bytes', async () => {
  const declared = new Request('http://anvat.test/', { method: 'POST', body: 'x'.repeat(100), headers: { 'content-length': '100' } })
  expect(await asyncFailureOf(() => readBodyText(declared, 50))).toMatchObject({ status: 413, code: 'caller_request_too_large' })
  const chunked = new Request('http://anvat.test/', {
    method: 'POST',
    body: new ReadableStream({
      start(controller) {
        for (let index = 0; index < 10; index++) controller.enqueue(new Uint8Array(20))
        controller.close()
      },
    }),
  })
  expect(await asyncFailureOf(() => readBodyText(chunked, 50))).toMatchObject({ status: 413 })
})

test('refuses invalid UTF-8 and keeps valid text exactly', async () => {
  const invalid = new Request('http://anvat.test/', { method: 'POST', body: new Uint8Array([0x7b, 0xff, 0x7d]) })
  expect(await asyncFailureOf(() => readBodyText(invalid, 1000))).toMatchObject({ status: 400, message: expect.stringContaining('UTF-8') })
  const text = '{"text":"naïve 🌍", "n": 1.0}'
  expect(await readBodyText(new Request('http://anvat.test/', { method: 'POST', body: text }), 1000)).toBe(text)
})
