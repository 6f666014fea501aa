import { formatMicrosForPeople } from '../../core/money.ts'
import { html, type Html } from '../html.ts'

/*
 * Spend by day as stacked bars, one colour per model: inline SVG drawn here, so the page loads nothing else. The
 * most expensive models get their own colour and the rest share "other"; a table beside it carries the same figures
 * for screen readers and for anyone who wants numbers.
 */

export type SpendRow = { day: string; model: string; costMicros: number }

/** Colours with at least 3:1 contrast against both the light and the dark page. */
const palette = ['#2563eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2']
const otherColour = '#6b7280'
const width = 720
const height = 240
const margin = { top: 12, right: 12, bottom: 28, left: 64 }

/** The `count` UTC days up to and including the one `nowMs` falls in, oldest first, as `YYYY-MM-DD`. */
export function lastDays(nowMs: number, count: number): string[] {
  const today = Math.floor(nowMs / 86_400_000)
  return Array.from({ length: count }, (_, index) => new Date((today - count + 1 + index) * 86_400_000).toISOString().slice(0, 10))
}

/** A round step for the value axis: 1, 2 or 5 times a power of ten, giving at most about four gridlines. */
function niceStep(maximum: number): number {
  const rough = maximum / 4
  const power = 10 ** Math.floor(Math.log10(rough))
  return [1, 2, 5, 10].map((factor) => factor * power).find((step) => step >= rough) ?? rough
}

export function spendChart(rows: SpendRow[], days: string[]): Html {
  const totalsByModel = new Map<string, number>()
  for (const row of rows) totalsByModel.set(row.model, (totalsByModel.get(row.model) ?? 0) + row.costMicros)
  const ranked = [...totalsByModel].sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0])).map(([model]) => model)
  const named = ranked.slice(0, palette.length)
  const series = ranked.length > palette.length ? [...named, 'other'] : named
  const seriesOf = (model: string) => (named.includes(model) ? model : 'other')
  const colourOf = (name: string) => (name === 'other' ? otherColour : palette[named.indexOf(name)]!)

  const byDay = new Map<string, Map<string, number>>()
  for (const row of rows) {
    const day = byDay.get(row.day) ?? new Map<string, number>()
    day.set(seriesOf(row.model), (day.get(seriesOf(row.model)) ?? 0) + row.costMicros)
    byDay.set(row.day, day)
  }
  const dayTotal = (day: string) => [...(byDay.get(day)?.values() ?? [])].reduce((sum, value) => sum + value, 0)
  const maximum = Math.max(1, ...days.map(dayTotal))
  const step = niceStep(maximum)
  const top = Math.ceil(maximum / step) * step
  const plotWidth = width - margin.left - margin.right
  const plotHeight = height - margin.top - margin.bottom
  const slot = plotWidth / days.length
  const barWidth = Math.max(2, slot * 0.7)
  const y = (micros: number) => margin.top + plotHeight - (micros / top) * plotHeight

  const gridlines = []
  for (let value = 0; value <= top; value += step) {
    gridlines.push(html`<line class="axis" x1="${margin.left}" x2="${width - margin.right}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}"/><text x="${margin.left - 6}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end">$${formatMicrosForPeople(Math.round(value))}</text>`)
  }
  const bars = days.map((day, index) => {
    const x = margin.left + index * slot + (slot - barWidth) / 2
    let stacked = 0
    const segments = series.map((name) => {
      const micros = byDay.get(day)?.get(name) ?? 0
      if (micros === 0) return ''
      const bottom = y(stacked)
      stacked += micros
      return html`<rect x="${x.toFixed(1)}" y="${y(stacked).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${Math.max(0.5, bottom - y(stacked)).toFixed(1)}" fill="${colourOf(name)}"><title>${day} · ${name}: $${formatMicrosForPeople(micros)}</title></rect>`
    })
    // Every seventh day is labelled, counting back from the last, so today always is.
    const label = (days.length - 1 - index) % 7 === 0 ? html`<text x="${(x + barWidth / 2).toFixed(1)}" y="${height - 8}" text-anchor="middle">${day.slice(5)}</text>` : ''
    return html`${segments}${label}`
  })
  const legend = series.map((name) => html`<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="${colourOf(name)}"/></svg> ${name}</li>`)
  return html`<figure>
<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="spend-chart-title">
<title id="spend-chart-title">Spend per day, ${days[0]} to ${days.at(-1)}, by model</title>
${gridlines}
${bars}
</svg>
${series.length > 0 ? html`<ul class="legend">${legend}</ul>` : html`<figcaption class="muted">No spend in these ${days.length} days.</figcaption>`}
</figure>`
}
