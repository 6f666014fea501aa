/**
 * A streaming stage as a step function over one typed state record: tests run it over plain arrays, the server runs
 * it as a TransformStream. `step` may update the state and touches nothing else; `flush` emits what is still held
 * when the input ends.
 */
export type Transducer<State, Input, Output> = {
  init: () => State
  step: (state: State, input: Input) => Output[]
  flush: (state: State) => Output[]
}

/** Runs a transducer over a whole array (tests, and whole responses). */
export function runTransducer<State, Input, Output>(transducer: Transducer<State, Input, Output>, inputs: Iterable<Input>): Output[] {
  const state = transducer.init()
  const outputs: Output[] = []
  for (const input of inputs) outputs.push(...transducer.step(state, input))
  outputs.push(...transducer.flush(state))
  return outputs
}

/** The same transducer as a TransformStream. */
export function transducerStream<State, Input, Output>(transducer: Transducer<State, Input, Output>): TransformStream<Input, Output> {
  const state = transducer.init()
  return new TransformStream<Input, Output>({
    transform: (input, controller) => {
      for (const output of transducer.step(state, input)) controller.enqueue(output)
    },
    flush: (controller) => {
      for (const output of transducer.flush(state)) controller.enqueue(output)
    },
  })
}
