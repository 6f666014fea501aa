/** The strict Prometheus text reader the /metrics tests rely on: it reads what the format allows and refuses the rest. */
import { expect, test } from 'bun:test'
import { parsePrometheusText } from './prometheus-text.ts'

test('reads families, escaped label values, histogram series under their family, and special values', () => {
  const families = parsePrometheusText(
    [
      '# HELP requests_total Requests.',
      '# TYPE requests_total counter',
      'requests_total{route="/v1/messages",note="a \\"quoted\\" \\\\ value\\n"} 3',
      '# TYPE latency_seconds histogram',
      'latency_seconds_bucket{le="0.1"} 1',
      'latency_seconds_bucket{le="+Inf"} 2',
      'latency_seconds_sum 0.35',
      'latency_seconds_count 2',
      '# TYPE lag gauge',
      'lag NaN',
      '',
    ].join('\n'),
  )
  expect(families.get('requests_total')).toEqual({
    name: 'requests_total',
    help: 'Requests.',
    type: 'counter',
    samples: [{ name: 'requests_total', labels: { route: '/v1/messages', note: 'a "quoted" \\ value\n' }, value: 3 }],
  })
  expect(families.get('latency_seconds')!.samples.map((sample) => [sample.name, sample.value])).toEqual([
    ['latency_seconds_bucket', 1],
    ['latency_seconds_bucket', 2],
    ['latency_seconds_sum', 0.35],
    ['latency_seconds_count', 2],
  ])
  expect(families.get('lag')!.samples[0]!.value).toBeNaN()
})

test('refuses a sample without its TYPE, a bad label, a bad value, and a family declared twice', () => {
  expect(() => parsePrometheusText('orphan_total 1\n')).toThrow('before any # TYPE')
  expect(() => parsePrometheusText('# TYPE a counter\na{1bad="x"} 1\n')).toThrow('bad label')
  expect(() => parsePrometheusText('# TYPE a counter\na{x="unterminated} 1\n')).toThrow()
  expect(() => parsePrometheusText('# TYPE a gauge\na Nan\n')).toThrow('bad value')
  expect(() => parsePrometheusText('# TYPE a gauge\na 1\n# TYPE a gauge\n')).toThrow('declared twice')
  expect(() => parsePrometheusText('# TYPE a gauge\na_count 1\n')).toThrow('before any # TYPE')
})
