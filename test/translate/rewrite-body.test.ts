import { expect, test } from 'bun:test'
import { rewriteTopLevelModel, setTopLevelField } from '../../src/translate/rewrite-body.ts'

test('replaces only the top-level model value, keeping every other byte', () => {
  const body = '{ "messages" : [{"role":"user","content":"model: \\"x\\"", "model": "inner"}],\n  "model":"alias" ,"n":1.50e2}'
  expect(rewriteTopLevelModel(body, 'upstream-id')).toBe(
    '{ "messages" : [{"role":"user","content":"model: \\"x\\"", "model": "inner"}],\n  "model":"upstream-id" ,"n":1.50e2}',
  )
})

test('finds a key spelt with escapes and rewrites every duplicate', () => {
  const body = '{"m\\u006fdel":"a","x":{"model":"b"},"model":"c"}'
  expect(JSON.parse(rewriteTopLevelModel(body, 'z'))).toEqual({ model: 'z', x: { model: 'b' } })
  expect(rewriteTopLevelModel(body, 'z')).toBe('{"m\\u006fdel":"z","x":{"model":"b"},"model":"z"}')
})

test('does not mistake a string value "model" for the key', () => {
  const body = '{"name":"model","model":"a"}'
  expect(rewriteTopLevelModel(body, 'b')).toBe('{"name":"model","model":"b"}')
})

test('escapes the replacement as JSON', () => {
  expect(JSON.parse(rewriteTopLevelModel('{"model":"a"}', 'we"ird\\id')).model).toBe('we"ird\\id')
})

test('sets a top-level field of any type in place, or adds it first', () => {

  expect(setTopLevelField('{"max_tokens": 4096 ,"x":[1]}', 'max_tokens', '100')).toBe('{"max_tokens": 100 ,"x":[1]}')
  expect(setTopLevelField('{"stream_options":{"a":[{"b":"}"}]},"x":1}', 'stream_options', '{"include_usage":true}')).toBe('{"stream_options":{"include_usage":true},"x":1}')
  expect(setTopLevelField(' {"x":1}', 'stream_options', '{"include_usage":true}')).toBe(' {"stream_options":{"include_usage":true},"x":1}')
  expect(setTopLevelField('{ }', 'a', 'null')).toBe('{"a":null }')
  expect(setTopLevelField('{"a":null,"b":2}', 'a', 'true')).toBe('{"a":true,"b":2}')
})
