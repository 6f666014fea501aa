/** Help texts, one per command. The command line is part of the product's interface: keep these exact. */

const ledgerFlags = `--db PATH          SQLite ledger file, created if missing (env ANVAT_DB, default ./anvat.db)
  --database-url URL shared libSQL ledger instead: libsql://, http(s):// or ws(s):// (env ANVAT_DATABASE_URL;
                     token in env ANVAT_DATABASE_AUTH_TOKEN)`

export const mainHelp = `anvat — an LLM API gateway: one base URL and one key in front of Anthropic and OpenAI models.

Usage:
  anvat serve [--port 8080] [--host 0.0.0.0] [--db ./anvat.db] [--config FILE] [--log-level info] [--log-format logfmt]
              [--drain-seconds 30]
  anvat keys create --name NAME --credit USD [--rpm N] [--concurrency N] [--window-spend-usd X]
  anvat keys list [--json]
  anvat keys revoke ID
  anvat credit add --key ID --usd X [--note TEXT]
  anvat credit show --key ID [--json]
  anvat migrate
  anvat audit [--json]
  anvat --help | --version | <command> --help

Every command that touches the ledger takes --db PATH or --database-url URL.
Every serve flag can also come from the environment: ANVAT_PORT, ANVAT_HOST, ANVAT_DB, ANVAT_DATABASE_URL,
ANVAT_CONFIG, ANVAT_LOG_LEVEL, ANVAT_LOG_FORMAT, ANVAT_DRAIN_SECONDS. ANVAT_ADMIN_TOKEN enables the admin API under /admin;
ANVAT_METRICS_TOKEN, when set, is asked of /metrics scrapes.
`

export const serveHelp = `Usage: anvat serve [options]

Serves the gateway: /v1/messages, /v1/messages/count_tokens, /v1/chat/completions, /v1/responses, /v1/models,
/v1/balance, /v1/usage, /healthz, /readyz, /metrics, the self-serve pages under /app, and /admin when
ANVAT_ADMIN_TOKEN is set.

Options:
  --port N           port to listen on (env ANVAT_PORT, default 8080; 0 picks a free port)
  --host ADDRESS     address to bind (env ANVAT_HOST, default 0.0.0.0)
  ${ledgerFlags}
  --config FILE      JSON config with providers and models (env ANVAT_CONFIG); without one, providers come from
                     ANTHROPIC_API_KEY / OPENAI_API_KEY, and the built-in mock model anvat-echo is always there
  --log-level LEVEL  debug, info, warn, error or silent (env ANVAT_LOG_LEVEL, default info)
  --log-format FMT   logfmt or json: one line per request and event (env ANVAT_LOG_FORMAT, default logfmt)
  --drain-seconds N  on SIGTERM or SIGINT, how long in-flight requests and streams may finish before they are cut,
                     0 to 3600 (env ANVAT_DRAIN_SECONDS, default 30); a second signal cuts them at once
  -h, --help         show this help
`

export const keysHelp = `Usage:
  anvat keys create --name NAME --credit USD [--rpm N] [--concurrency N] [--window-spend-usd X] [ledger flags]
  anvat keys list [--json] [ledger flags]
  anvat keys revoke ID [ledger flags]

create   makes an account with USD credit and a key for it; the key is printed once, as the last line of stdout,
         and only its SHA-256 hash is stored. --rpm, --concurrency and --window-spend-usd are per-key limits.
list     shows every key: id, name, visible prefix, balance, limits, created and revoked times.
revoke   revokes a key by id; a running gateway stops accepting it within its key cache time (30 s by default).

Ledger flags:
  ${ledgerFlags}
`

export const creditHelp = `Usage:
  anvat credit add --key ID --usd X [--note TEXT] [ledger flags]
  anvat credit add --key ID --pack PACK [--config FILE] [ledger flags]
  anvat credit show --key ID [--json] [ledger flags]

add      tops up the account of key ID by X US dollars (up to six decimal places), as a new ledger entry; or, with
         --pack, grants the prepaid pack PACK of the config (FILE, or env ANVAT_CONFIG): its credit, recorded as a
         payment by the operator.
show     prints the account's balance and its ledger entries, newest first: grants, top-ups, and each request's
         reserve, release and settle.

Ledger flags:
  ${ledgerFlags}
`

export const migrateHelp = `Usage: anvat migrate [ledger flags]

Applies the embedded schema migrations to the ledger and says which it applied. serve does the same at start;
this is for deploy pipelines that migrate first.

Ledger flags:
  ${ledgerFlags}
`

export const auditHelp = `Usage: anvat audit [--json] [ledger flags]

Proves the ledger's books: every account's balance is the sum of its entries; every charge matches its usage record
and that record's tokens at the rates it was priced at; every hold was given back exactly once, or is still open for
a live gateway. Prints a summary (or the whole report with --json) and exits 0 when everything holds, 65 on any
discrepancy. Changes nothing in the books, and may run beside serving gateways.

Ledger flags:
  ${ledgerFlags}
`
