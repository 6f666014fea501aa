/**
 * A client generated from the document by a standard generator (swagger-typescript-api, a widely used TypeScript
 * generator working from the spec alone) calls the gateway: the document is complete enough for code generators.
 */
import { expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateApi } from 'swagger-typescript-api'
import { useListeningGateway } from '../support/gateway.ts'

const setup = useListeningGateway()
const specPath = join(import.meta.dir, '..', '..', 'openapi', 'openapi.yaml')

type GeneratedApi = {
  v1: { createChatCompletion: (body: Record<string, unknown>) => Promise<{ status: number; data: { model: string; choices: Array<{ message: { content: string } }> } }> }
}

test('a generated client creates a chat completion on the mock model', async () => {
  const generated = await generateApi({ input: specPath, output: false, silent: true })
  const source = generated.files.find((file) => file.fileName === 'Api')?.fileContent
  expect(source).toContain('createChatCompletion')
  const directory = mkdtempSync(join(tmpdir(), 'anvat-generated-client-'))
  try {
    const modulePath = join(directory, 'Api.ts')
    writeFileSync(modulePath, source!)
    const { Api } = (await import(modulePath)) as { Api: new (config: Record<string, unknown>) => GeneratedApi & { setSecurityData: (data: unknown) => void } }
    const api = new Api({ baseUrl: setup.gateway.url, securityWorker: (key: string) => ({ headers: { Authorization: `Bearer ${key}` } }) })
    api.setSecurityData(setup.gateway.key)
    const response = await api.v1.createChatCompletion({ model: 'anvat-echo', messages: [{ role: 'user', content: 'generated client' }] })
    expect(response.status).toBe(200)
    expect(response.data.model).toBe('anvat-echo')
    expect(response.data.choices[0]?.message.content).toContain('generated client')
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
})
