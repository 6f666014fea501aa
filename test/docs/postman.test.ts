/**
 * The Postman collection: its shape from a small document, its validity against the official v2.1 schema (vendored
 * in test/fixtures/postman/, see the README there), and a newman run of every non-admin request against a listening
 * gateway on the built-in `anvat-echo` model, all answering 2xx without touching an upstream.
 */
import { describe, expect, test } from 'bun:test'
import Ajv from 'ajv'
import newman, { type NewmanRunSummary } from 'newman'
import { embeddedOpenApiText, parseOpenApi, type OpenApiDocument } from '../../src/docs/openapi.ts'
import { toPostmanCollection, type PostmanCollection } from '../../src/docs/postman.ts'
import postmanSchema from '../fixtures/postman/collection-v2.1.0.schema.json'
import { useListeningGateway } from '../support/gateway.ts'

const options = { baseUrl: 'http://localhost:8080', model: 'anvat-echo' }

const sample: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Sample', version: '1.0.0' },
  tags: [{ name: 'Chat', description: 'Talking' }, { name: 'Empty' }],
  paths: {
    '/v1/chat': {
      post: {
        operationId: 'chat',
        summary: 'Chat',
        tags: ['Chat'],
        parameters: [{ $ref: '#/components/parameters/Version' }],
        requestBody: { content: { 'application/json': { examples: { first: { $ref: '#/components/examples/Chat' } } } } },
      },
    },
    '/v1/models/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, example: 'gpt-5-mini' }],
      get: { summary: 'Get a model', tags: ['Chat'], parameters: [{ name: 'limit', in: 'query', schema: { default: 20 } }] },
    },
    '/healthz': { get: { summary: 'Liveness', security: [] } },
    '/admin/keys/{key_id}/revoke': { post: { summary: 'Revoke', tags: ['Keys'], parameters: [{ name: 'key_id', in: 'path', required: true }] } },
  },
  components: {
    parameters: { Version: { name: 'anthropic-version', in: 'header', required: true, example: '2023-06-01' } },
    examples: { Chat: { value: { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }] } } },
  },
}

/** Validates against the vendored schema, which is `$async`: the validator rejects with every error it found. */
async function schemaErrors(collection: unknown): Promise<unknown[]> {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(postmanSchema)
  try {
    await validate(collection)
    return []
  } catch (error) {
    if (error instanceof Ajv.ValidationError) return error.errors
    throw error
  }
}

describe('toPostmanCollection', () => {
  const collection = toPostmanCollection(sample, options)
  const folder = (name: string) => collection.item.find((entry) => entry.name === name)

  test('one folder per tag that has operations, untagged ones in Other, /admin in Admin with the admin token', () => {
    expect(collection.item.map((entry) => entry.name)).toEqual(['Chat', 'Other', 'Admin'])
    expect(folder('Chat')?.description).toBe('Talking')
    expect(folder('Admin')?.auth).toEqual({ type: 'bearer', bearer: [{ key: 'token', value: '{{admin_token}}', type: 'string' }] })
    expect(collection.auth).toEqual({ type: 'bearer', bearer: [{ key: 'token', value: '{{api_key}}', type: 'string' }] })
  })

  test('the variables a run sets, with the mock model and the given base URL as defaults', () => {
    expect(collection.variable.map(({ key, value }) => [key, value])).toEqual([
      ['base_url', 'http://localhost:8080'],
      ['api_key', ''],
      ['admin_token', ''],
      ['model', 'anvat-echo'],
    ])
  })

  test('the example body with model replaced, referenced header parameters resolved', () => {
    const request = folder('Chat')?.item[0]?.request
    expect(request?.method).toBe('POST')
    expect(request?.url.raw).toBe('{{base_url}}/v1/chat')
    expect(request?.header).toEqual([
      { key: 'Content-Type', value: 'application/json' },
      { key: 'anthropic-version', value: '2023-06-01' },
    ])
    expect(JSON.parse(request?.body?.raw ?? '')).toEqual({ model: '{{model}}', messages: [{ role: 'user', content: 'Hi' }] })
  })

  test('path parameters as :name variables, a model id as {{model}}; optional query parameters disabled', () => {
    const request = folder('Chat')?.item[1]?.request
    expect(request?.url).toEqual({
      raw: '{{base_url}}/v1/models/:id',
      host: ['{{base_url}}'],
      path: ['v1', 'models', ':id'],
      query: [{ key: 'limit', value: '20', disabled: true }],
      variable: [{ key: 'id', value: '{{model}}' }],
    })
    expect(folder('Admin')?.item[0]?.request.url.variable).toEqual([{ key: 'key_id', value: '' }])
  })

  test('an operation declared public sends no credentials', () => {
    expect(folder('Other')?.item[0]?.request.auth).toEqual({ type: 'noauth' })
    expect(folder('Chat')?.item[0]?.request.auth).toBeUndefined()
  })

  test('validates against the Postman Collection v2.1 schema; a broken one does not', async () => {
    expect(await schemaErrors(collection)).toEqual([])
    expect(await schemaErrors({ ...collection, info: { name: 'x' } })).not.toEqual([])
  })
})

describe('the collection of the embedded document', () => {
  test('validates against the Postman Collection v2.1 schema', async () => {
    const collection = toPostmanCollection(parseOpenApi(embeddedOpenApiText), options)
    expect(collection.item.length).toBeGreaterThan(0)
    expect(await schemaErrors(collection)).toEqual([])
  })
})

describe('newman against a listening gateway', () => {
  const fixture = useListeningGateway()

  test('every request outside Admin answers 2xx from anvat-echo', async () => {
    const document = parseOpenApi(embeddedOpenApiText)
    const full: PostmanCollection = toPostmanCollection(document, options)
    const collection = { ...full, item: full.item.filter((folder) => folder.name !== 'Admin') }
    const expected = collection.item.reduce((count, folder) => count + folder.item.length, 0)
    expect(expected).toBeGreaterThan(5)
    const summary = await new Promise<NewmanRunSummary>((resolve, reject) =>
      newman.run(
        {
          collection: collection as never,
          reporters: [],
          envVar: [
            { key: 'base_url', value: fixture.gateway.url },
            { key: 'api_key', value: fixture.gateway.key },
            { key: 'model', value: 'anvat-echo' },
          ],
          timeoutRequest: 10_000,
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      ),
    )
    const outcomes = summary.run.executions.map((execution) => `${execution.item.name}: ${execution.response?.code ?? 'no response'}`)
    expect(outcomes.length).toBe(expected)
    expect(outcomes.filter((outcome) => !/: 2\d\d$/.test(outcome))).toEqual([])
    expect(summary.run.failures).toEqual([])
    expect(fixture.upstream.received).toEqual([])
  })
})
