/**
 * Swagger UI's files, imported `with { type: 'file' }`: each import is the path of a copy that `bun build --compile`
 * embeds in the binary (`/$bunfs/…`), or of the file under node_modules when run from source.
 */
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const path: string
  export default path
}
declare module 'swagger-ui-dist/swagger-ui.css' {
  const path: string
  export default path
}
declare module 'swagger-ui-dist/favicon-32x32.png' {
  const path: string
  export default path
}
