import { Elysia } from 'elysia'
import { fail } from '../core/error.ts'
import type { CatalogEntry } from '../providers/registry.ts'
import type { RouteDependencies } from './dependencies.ts'

/**
 * The catalog, in the caller's shape. Anthropic's (`type:"model"`, `display_name`, `created_at`, cursor paging) goes
 * to callers that identify as Anthropic clients: an `anthropic-version` or `x-api-key` header, or Claude Code's
 * `claude-cli` user agent. Everyone else gets OpenAI's list.
 * @see https://docs.anthropic.com/en/api/models-list
 * @see https://platform.openai.com/docs/api-reference/models/list
 */
export function modelRoutes(dependencies: Pick<RouteDependencies, 'catalog' | 'contexts' | 'config'>) {
  const { catalog } = dependencies
  const newestFirst = [...catalog.entries].sort((left, right) => created(right) - created(left))
  return new Elysia({ name: 'models', normalize: false })
    .get(
      '/v1/models',
      ({ headers, query }) => {
        if (!wantsAnthropicShape(headers)) {
          return Response.json({ object: 'list', data: catalog.entries.map(openaiModel) })
        }
        return Response.json(anthropicPage(newestFirst, pageQuery(query)))
      },
      {
        detail: { operationId: 'listModels', tags: ['Models'], summary: 'List models' },
      },
    )
    .get(
      '/v1/models/*',
      ({ headers, params }) => {
        const id = params['*']
        const entry = catalog.find(id) ?? catalog.find(decodeURIComponent(id))
        if (entry === undefined) return fail('caller_not_found', `The model '${id}' does not exist.`, { param: 'model' })
        return Response.json(wantsAnthropicShape(headers) ? anthropicModel(entry) : openaiModel(entry))
      },
      { detail: { operationId: 'getModel', tags: ['Models'], summary: 'Get a model' } },
    )
}

function wantsAnthropicShape(headers: Record<string, string | undefined>): boolean {
  return identifiesAsAnthropicClient((name) => headers[name])
}

/**
 * Whether a caller of the shared routes (`/v1/models`) is an Anthropic client: it sends `anthropic-version` or
 * `x-api-key`, or it is Claude Code. Such callers get the catalog in Anthropic's shape, and errors in its envelope.
 */
export function identifiesAsAnthropicClient(header: (name: string) => string | null | undefined): boolean {
  if ((header('anthropic-version') ?? undefined) !== undefined || (header('x-api-key') ?? undefined) !== undefined) return true
  const userAgent = header('user-agent') ?? ''
  return userAgent.startsWith('claude-cli') || userAgent.includes('claude-code')
}

function created(entry: CatalogEntry): number {
  return entry.model.created ?? 0
}

function openaiModel(entry: CatalogEntry) {
  return { id: entry.model.id, object: 'model', created: created(entry), owned_by: entry.model.provider }
}

function anthropicModel(entry: CatalogEntry) {
  return {
    type: 'model',
    id: entry.model.id,
    display_name: entry.model.displayName ?? entry.model.id,
    created_at: new Date(created(entry) * 1000).toISOString().replace('.000Z', 'Z'),
  }
}

const defaultPageSize = 20
const pageSizeMax = 1000

type PageQuery = { limit?: number; after_id?: string; before_id?: string }

/** Reads Anthropic's paging parameters; a bad `limit` is the caller's 400, naming it. */
function pageQuery(query: Record<string, string | undefined>): PageQuery {
  const page: PageQuery = {}
  if (query.limit !== undefined) {
    const limit = /^\d{1,4}$/.test(query.limit) ? Number(query.limit) : Number.NaN
    if (!(limit >= 1 && limit <= pageSizeMax)) {
      fail('caller_invalid_request', `limit: Input should be an integer from 1 to ${pageSizeMax}`, { param: 'limit' })
    }
    page.limit = limit
  }
  if (query.after_id !== undefined) page.after_id = query.after_id
  if (query.before_id !== undefined) page.before_id = query.before_id
  return page
}

function anthropicPage(entries: CatalogEntry[], query: PageQuery) {
  const limit = query.limit ?? defaultPageSize
  let start = 0
  let end = entries.length
  if (query.after_id !== undefined) start = entries.findIndex((entry) => entry.model.id === query.after_id) + 1
  if (query.before_id !== undefined) {
    const beforeIndex = entries.findIndex((entry) => entry.model.id === query.before_id)
    end = beforeIndex === -1 ? entries.length : beforeIndex
    start = Math.max(start, end - limit)
  }
  const page = entries.slice(start, Math.min(end, start + limit))
  const hasMore = query.before_id !== undefined ? start > 0 : start + page.length < end
  return {
    data: page.map(anthropicModel),
    has_more: hasMore,
    first_id: page[0]?.model.id ?? null,
    last_id: page.at(-1)?.model.id ?? null,
  }
}
