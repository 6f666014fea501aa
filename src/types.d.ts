/** SQL migrations are bundled as text (`import sql from '….sql' with { type: 'text' }`). */
declare module '*.sql' {
  const text: string
  export default text
}

/** The self-serve pages' stylesheet and script are bundled as text (`with { type: 'text' }`). */
declare module '*.css' {
  const text: string
  export default text
}

/**
 * prom-client's classes, each imported from its own file: the package's index also loads its default Node.js metrics,
 * its push gateway (node:http) and its cluster aggregator, which the gateway does not use and which cost ~15 ms and
 * ~10 MiB at start (bench/README.md, "Footprint").
 */
declare module 'prom-client/lib/registry' {
  const Registry: typeof import('prom-client').Registry
  export default Registry
}
declare module 'prom-client/lib/counter' {
  const Counter: typeof import('prom-client').Counter
  export default Counter
}
declare module 'prom-client/lib/gauge' {
  const Gauge: typeof import('prom-client').Gauge
  export default Gauge
}
declare module 'prom-client/lib/histogram' {
  const Histogram: typeof import('prom-client').Histogram
  export default Histogram
}
