/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests of /metrics: `# HELP` and
 * `# TYPE` lines, then samples as `name{label="value",…} value`, with the format's escapes. It refuses what a
 * Prometheus server would refuse (a sample before its family's TYPE, a malformed label, a value that is not a float,
 * a family declared twice) and groups a histogram's `_bucket`, `_sum` and `_count` lines under its family.
 *
 * parse-prometheus-text-format was tried first: it merges the series of a labelled histogram into one, losing their
 * counts, so it cannot check that every request was counted once per route.
 */

export type PrometheusSample = { name: string; labels: Record<string, string>; value: number }
export type PrometheusFamily = { name: string; help: string; type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'; samples: PrometheusSample[] }

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const types = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

export function parsePrometheusText(text: string): Map<string, PrometheusFamily> {
  const families = new Map<string, PrometheusFamily>()
  const familyOf = (sampleName: string) => {
    for (const suffix of ['', '_bucket', '_sum', '_count']) {
      if (suffix !== '' && !sampleName.endsWith(suffix)) continue
      const family = families.get(sampleName.slice(0, sampleName.length - suffix.length))
      if (family !== undefined && (suffix === '' || family.type === 'histogram' || family.type === 'summary')) return family
    }
    throw new Error(`sample ${sampleName} comes before any # TYPE of its family`)
  }
  for (const [index, line] of text.split('\n').entries()) {
    const where = `line ${index + 1}`
    if (line.trim() === '') continue
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
      const [, keyword, name, ...rest] = line.split(' ')
      if (!metricName.test(name ?? '')) throw new Error(`${where}: bad metric name ${name}`)
      const family = families.get(name!) ?? { name: name!, help: '', type: 'untyped' as const, samples: [] }
      if (keyword === 'HELP') family.help = rest.join(' ').replaceAll('\\n', '\n').replaceAll('\\\\', '\\')
      else {
        if (family.samples.length > 0 || (families.has(name!) && family.type !== 'untyped')) throw new Error(`${where}: ${name} declared twice`)
        if (!types.has(rest[0] ?? '')) throw new Error(`${where}: unknown type ${rest[0]}`)
        family.type = rest[0] as PrometheusFamily['type']
      }
      families.set(name!, family)
      continue
    }
    if (line.startsWith('#')) continue
    const sample = parseSample(line, where)
    familyOf(sample.name).samples.push(sample)
  }
  return families
}

function parseSample(line: string, where: string): PrometheusSample {
  const braceAt = line.indexOf('{')
  const spaceAt = line.indexOf(' ')
  const nameEnd = braceAt !== -1 && braceAt < spaceAt ? braceAt : spaceAt
  const name = line.slice(0, nameEnd)
  if (!metricName.test(name)) throw new Error(`${where}: bad metric name ${name}`)
  const labels: Record<string, string> = {}
  let at = nameEnd
  if (line[at] === '{') {
    at += 1
    while (line[at] !== '}') {
      const equals = line.indexOf('=', at)
      const label = line.slice(at, equals)
      if (!labelName.test(label) || line[equals + 1] !== '"') throw new Error(`${where}: bad label at ${line.slice(at)}`)
      let value = ''
      let cursor = equals + 2
      for (; line[cursor] !== '"'; cursor++) {
        if (cursor >= line.length) throw new Error(`${where}: unterminated label value`)
        if (line[cursor] === '\\') {
          cursor += 1
          value += line[cursor] === 'n' ? '\n' : line[cursor]
        } else value += line[cursor]
      }
      if (Object.hasOwn(labels, label)) throw new Error(`${where}: label ${label} twice`)
      labels[label] = value
      at = cursor + 1
      if (line[at] === ',') at += 1
      else if (line[at] !== '}') throw new Error(`${where}: expected , or } at ${line.slice(at)}`)
    }
    at += 1
  }
  const [valueText, timestamp, extra] = line.slice(at).trim().split(/\s+/)
  if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) throw new Error(`${where}: trailing text`)
  const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : valueText === 'NaN' ? Number.NaN : Number(valueText)
  if (valueText === undefined || valueText === '' || (Number.isNaN(value) && valueText !== 'NaN')) throw new Error(`${where}: bad value ${valueText}`)
  return { name, labels, value }
}
