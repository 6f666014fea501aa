/**
 * Tool definitions as the estimator renders them (src/translate/tool-namespace.ts): the TypeScript-like namespace
 * OpenAI's chat models read, after openai/harmony's renderer with the changes the recorded counts support.
 */
import { describe, expect, test } from 'bun:test'
import type { CanonicalTool } from '../../src/core/canonical.ts'
import { renderToolDefinition, schemaDepthMax, toolNamespaceClosing, toolNamespaceOpening, typeScriptOf } from '../../src/translate/tool-namespace.ts'

const objectOf = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required })

describe('a tool definition', () => {
  test("the cookbook's weather tool reads as the namespace OpenAI describes", () => {
    const tool: CanonicalTool = {
      name: 'get_current_weather',
      description: 'Get the current weather in a given location',
      parameters: objectOf(
        {
          location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
          unit: { type: 'string', description: 'The unit of temperature to return', enum: ['celsius', 'fahrenheit'] },
        },
        ['location'],
      ),
    }
    expect(toolNamespaceOpening + renderToolDefinition(tool) + toolNamespaceClosing).toBe(
      [
        '## functions',
        '',
        'namespace functions {',
        '',
        '// Get the current weather in a given location',
        'type get_current_weather = (_: {',
        '// The city and state, e.g. San Francisco, CA',
        'location: string,',
        '// The unit of temperature to return',
        'unit?: "celsius" | "fahrenheit",',
        '}) => any;',
        '',
        '} // namespace functions',
      ].join('\n'),
    )
  })

  test('no declared properties read `() => any`; a description is trimmed and written once after `// `', () => {
    const docstring = '\n    Get the log level.\n\n    Returns:\n        The level.\n    '
    expect(renderToolDefinition({ name: 'get_log_level', description: docstring, parameters: { type: 'object', properties: {} } })).toBe(
      '// Get the log level.\n\n    Returns:\n        The level.\ntype get_log_level = () => any;\n\n',
    )
    expect(renderToolDefinition({ name: 'ping', parameters: { type: 'object' } })).toBe('type ping = () => any;\n\n')
  })
})

describe('a schema as TypeScript', () => {
  test('nested objects indent their properties; arrays, integers and type lists read as harmony writes them; defaults are left out', () => {
    const schema = objectOf(
      {
        edits: {
          type: 'array',
          description: 'Edits to apply.',
          items: objectOf({ old_string: { type: 'string' }, replace_all: { type: 'boolean', default: false } }, ['old_string']),
        },
        limit: { type: 'integer' },
        tags: { type: 'array' },
        value: { type: ['number', 'string'] },
      },
      ['edits'],
    )
    expect(typeScriptOf(schema, '', 0)).toBe(
      ['{', '// Edits to apply.', 'edits: {', '    old_string: string,', '    replace_all?: boolean,', '    }[],', 'limit?: number,', 'tags?: Array<any>,', 'value?: number | string,', '}'].join('\n'),
    )
  })

  test('anyOf reads as a union, oneOf as one variant a line, nullable adds null; titles and examples become comments', () => {
    expect(typeScriptOf({ anyOf: [{ type: 'string' }, { type: 'number' }] }, '', 0)).toBe('string | number')
    expect(typeScriptOf({ oneOf: [{ type: 'string', description: 'A path.' }, { type: 'boolean' }] }, '', 0)).toBe('\n | string // A path.\n | boolean')
    expect(typeScriptOf({ type: 'string', nullable: true }, '', 0)).toBe('string | null')
    const titled = objectOf({ mode: { type: 'string', title: 'Mode', examples: ['fast'] } })
    expect(typeScriptOf(titled, '', 0)).toBe('{\n// Mode\n//\n// Examples:\n// - "fast"\nmode?: string,\n}')
  })

  test('a schema nested past schemaDepthMax reads `any` there, in bounded time and stack', () => {
    let schema: Record<string, unknown> = { type: 'string' }
    for (let depth = 0; depth < 10_000; depth++) schema = { type: 'array', items: schema }
    const rendered = typeScriptOf(schema, '', 0)
    expect(rendered).toBe(`any${'[]'.repeat(schemaDepthMax)}`)
  })
})
