/**
 * The serving loop's log output: logfmt lines, gathered and written once per event-loop turn so a busy gateway
 * makes one write call for many request lines, with nothing lost or reordered.
 */
import { expect, test } from 'bun:test'
import { bufferLines, createLogger } from '../../src/server/logger.ts'

test('lines written in one turn reach the output in one write, in order, on the next turn', async () => {
  const writes: string[] = []
  const output = bufferLines((text) => writes.push(text))
  const logger = createLogger('info', output.write, () => Date.UTC(2026, 0, 1))
  logger.info('request', { path: '/v1/messages', status: 200 })
  logger.debug('not at this level')
  logger.warn('slow upstream', { note: 'took "long"' })
  expect(writes).toEqual([])
  await new Promise((resolve) => setImmediate(resolve))
  expect(writes).toEqual([
    'time=2026-01-01T00:00:00.000Z level=info msg=request path=/v1/messages status=200\n' +
      'time=2026-01-01T00:00:00.000Z level=warn msg="slow upstream" note="took \\"long\\""\n',
  ])
  logger.info('next turn')
  await new Promise((resolve) => setImmediate(resolve))
  expect(writes).toHaveLength(2)
})

test('flush writes at once, and past the size bound lines are written without waiting for the turn to end', () => {
  const writes: string[] = []
  const output = bufferLines((text) => writes.push(text), 100)
  output.write('a'.repeat(40))
  output.flush()
  expect(writes).toEqual(['a'.repeat(40)])
  output.flush()
  expect(writes).toHaveLength(1)
  output.write('b'.repeat(60))
  output.write('c'.repeat(60))
  expect(writes).toEqual(['a'.repeat(40), 'b'.repeat(60) + 'c'.repeat(60)])
})

test('json: one object per line with time, level and msg first, fields as their JSON types, absent ones left out', () => {
  const lines: string[] = []
  const logger = createLogger('info', (line) => lines.push(line), () => Date.UTC(2026, 0, 1), 'json')
  logger.info('request', { method: 'POST', status: 200, streamed: false, key: undefined, model: null, note: 'a "quoted" value' })
  logger.debug('not at this level')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toEndWith('}\n')
  expect(Object.keys(JSON.parse(lines[0]!))).toEqual(['time', 'level', 'msg', 'method', 'status', 'streamed', 'note'])
  expect(JSON.parse(lines[0]!)).toEqual({ time: '2026-01-01T00:00:00.000Z', level: 'info', msg: 'request', method: 'POST', status: 200, streamed: false, note: 'a "quoted" value' })
})
