import { expect, test } from 'bun:test'
import { createLogger } from '../../src/server/logger.ts'
import { pathOf, searchOf } from '../../src/server/request-context.ts'

test('pathOf and searchOf split a request URL without parsing it', () => {
  expect(pathOf('http://anvat.test/v1/messages?beta=true')).toBe('/v1/messages')
  expect(pathOf('http://127.0.0.1:8080/v1/models/a%2Fb#x')).toBe('/v1/models/a%2Fb')
  expect(pathOf('http://anvat.test')).toBe('/')
  expect(searchOf('http://anvat.test/v1/messages?beta=true#frag')).toBe('?beta=true')
  expect(searchOf('http://anvat.test/v1/messages')).toBe('')
})

test('the logger writes one logfmt line per call, quoting where needed, above its level only', () => {
  const lines: string[] = []
  const logger = createLogger('info', (line) => lines.push(line), () => 0)
  logger.debug('hidden')
  logger.info('request', { method: 'POST', status: 200, model: 'a b', skipped: undefined })
  logger.error('boom', { error: 'say "hi"' })
  expect(lines).toEqual([
    'time=1970-01-01T00:00:00.000Z level=info msg=request method=POST status=200 model="a b"\n',
    'time=1970-01-01T00:00:00.000Z level=error msg=boom error="say \\"hi\\""\n',
  ])
  const silent: string[] = []
  createLogger('silent', (line) => silent.push(line), () => 0).error('nothing')
  expect(silent).toEqual([])
})
