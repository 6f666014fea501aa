import type { CanonicalTool } from '../core/canonical.ts'

/*
 * OpenAI's chat models do not read tool definitions as JSON: the server renders them into a TypeScript-like
 * namespace inside the system message, and bills those tokens as prompt. The token estimator counts that text, so it
 * has to render it the same way. OpenAI published the renderer of its open-weight models (harmony); this follows it,
 * with three changes the recorded counts in test/fixtures/token-counts support better for the API models:
 *
 * - no `# Tools` heading: the namespace alone, plus a couple of framing tokens, fits the recorded counts;
 * - a description is trimmed and written once after `// `, not split into one `// ` line per line;
 * - a tool whose parameters declare no properties reads `() => any`, and `default` values are not written.
 *
 * `anyOf` (which harmony leaves as `any`) is written as a union of its variants, so a large union is not counted as
 * one token. Nesting deeper than `schemaDepthMax` reads `any`.
 *
 * @see https://github.com/openai/harmony/blob/main/src/encoding.rs (json_schema_to_typescript, template_tools_section)
 */

/** What opens the rendered namespace. */
export const toolNamespaceOpening = '## functions\n\nnamespace functions {\n\n'
/** What closes it. */
export const toolNamespaceClosing = '} // namespace functions'
/** Nesting levels rendered; deeper schemas read `any`, so a pathological schema costs bounded time and stack. */
export const schemaDepthMax = 24

type Schema = Record<string, unknown>

/** One tool as the namespace shows it: its description comment, its type line, and the blank line after it. */
export function renderToolDefinition(tool: CanonicalTool): string {
  const description = tool.description?.trim() ?? ''
  const comment = description === '' ? '' : `// ${description}\n`
  const properties = tool.parameters.properties
  const declared = isSchema(properties) && Object.keys(properties).length > 0
  const signature = declared ? `(_: ${typeScriptOf(tool.parameters, '', 0)})` : '()'
  return `${comment}type ${tool.name} = ${signature} => any;\n\n`
}

/** A JSON schema as the TypeScript type harmony writes for it. */
export function typeScriptOf(schema: Schema, indent: string, depth: number): string {
  if (depth >= schemaDepthMax) return 'any'
  const nullable = schema.nullable === true ? ' | null' : ''
  if (Array.isArray(schema.oneOf)) return unionOf(schema.oneOf, `\n${indent} | `, indent, depth) + nullable
  if (Array.isArray(schema.anyOf)) return unionOf(schema.anyOf, ' | ', indent, depth) + nullable
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((type) => typeof type === 'string').map((type) => (type === 'integer' ? 'number' : type))
    if (types.length > 0) return types.join(' | ')
  }
  switch (schema.type) {
    case 'object':
      return objectOf(schema, indent, depth) + nullable
    case 'string': {
      const values = Array.isArray(schema.enum) ? schema.enum.filter((value) => typeof value === 'string') : []
      return (values.length > 0 ? values.map((value) => `"${value}"`).join(' | ') : 'string') + nullable
    }
    case 'number':
    case 'integer':
      return 'number' + nullable
    case 'boolean':
      return 'boolean' + nullable
    case 'array':
      return isSchema(schema.items) ? `${typeScriptOf(schema.items, indent, depth + 1)}[]` : 'Array<any>'
    default:
      return 'any'
  }
}

function unionOf(variants: unknown[], separator: string, indent: string, depth: number): string {
  const rendered = variants.filter(isSchema).map((variant) => {
    const comment = typeof variant.description === 'string' ? ` // ${variant.description}` : ''
    return typeScriptOf(variant, `${indent}   `, depth + 1) + comment
  })
  return separator.startsWith('\n') ? rendered.map((type) => separator + type).join('') : rendered.join(separator)
}

/** An object's properties, one a line, each after its title, description and examples as comments. */
function objectOf(schema: Schema, indent: string, depth: number): string {
  let text = typeof schema.description === 'string' ? `${indent}// ${schema.description}\n` : ''
  text += '{\n'
  const required = new Set(Array.isArray(schema.required) ? schema.required : [])
  const properties = isSchema(schema.properties) ? schema.properties : {}
  for (const [name, value] of Object.entries(properties)) {
    if (!isSchema(value)) continue
    if (typeof value.title === 'string') text += `${indent}// ${value.title}\n${indent}//\n`
    if (typeof value.description === 'string' && !repeatsFirstVariant(value)) text += `${indent}// ${value.description}\n`
    if (Array.isArray(value.examples)) {
      const examples = value.examples.filter((example) => typeof example === 'string')
      if (examples.length > 0) text += `${indent}// Examples:\n` + examples.map((example) => `${indent}// - "${example}"\n`).join('')
    }
    const optional = required.has(name) ? '' : '?'
    text += `${indent}${name}${optional}: ${typeScriptOf(value, `${indent}    `, depth + 1)},\n`
  }
  return `${text}${indent}}`
}

/** harmony skips a property's description when its first `oneOf` variant says the same. */
function repeatsFirstVariant(value: Schema): boolean {
  const first: unknown = Array.isArray(value.oneOf) ? value.oneOf[0] : undefined
  return isSchema(first) && first.description === value.description
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
