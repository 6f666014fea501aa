import { expect, test } from 'bun:test'
import { runTransducer, transducerStream, type Transducer } from '../../src/core/transducer.ts'

/** Sums runs of numbers, emitting a total at each zero and whatever is left at the end. */
const runningTotals: Transducer<{ total: number }, number, number> = {
  init: () => ({ total: 0 }),
  step: (state, input) => {
    if (input !== 0) {
      state.total += input
      return []
    }
    const total = state.total
    state.total = 0
    return [total]
  },
  flush: (state) => (state.total === 0 ? [] : [state.total]),
}

test('the same transducer gives the same output over an array and as a stream', async () => {
  const inputs = [1, 2, 0, 5, 0, 3]
  expect(runTransducer(runningTotals, inputs)).toEqual([3, 5, 3])
  const stream = new ReadableStream<number>({
    start: (controller) => {
      for (const input of inputs) controller.enqueue(input)
      controller.close()
    },
  }).pipeThrough(transducerStream(runningTotals))
  expect(await Array.fromAsync(stream)).toEqual([3, 5, 3])
})
