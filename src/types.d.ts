/** SQL migrations are bundled as text (`import sql from '….sql' with { type: 'text' }`). */
declare module '*.sql' {
  const text: string
  export default text
}
