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
