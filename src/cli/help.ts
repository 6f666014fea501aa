/** Help texts, one per command. The command line is part of the product's interface: keep these exact. */

export const mainHelp = `anvat — an LLM API gateway: one base URL and one key in front of Anthropic and OpenAI models.

Usage:
  anvat serve [--port 8080] [--host 0.0.0.0] [--db ./anvat.db] [--config FILE] [--log-level info]
  anvat keys create --name NAME --credit USD [--rpm N] [--concurrency N] [--window-spend-usd X] [--db PATH]
  anvat keys list [--db PATH] [--json]
  anvat keys revoke ID [--db PATH]
  anvat --help | --version | <command> --help

Every serve flag can also come from the environment: ANVAT_PORT, ANVAT_HOST, ANVAT_DB, ANVAT_CONFIG, ANVAT_LOG_LEVEL.
`

export const serveHelp = `Usage: anvat serve [options]

Serves the gateway: /v1/messages, /v1/messages/count_tokens, /v1/chat/completions, /v1/responses, /v1/models,
/healthz and /readyz.

Options:
  --port N          port to listen on (env ANVAT_PORT, default 8080; 0 picks a free port)
  --host ADDRESS    address to bind (env ANVAT_HOST, default 0.0.0.0)
  --db PATH         SQLite ledger file, created if missing (env ANVAT_DB, default ./anvat.db)
  --config FILE     JSON config with providers and models (env ANVAT_CONFIG); without one, providers come from
                    ANTHROPIC_API_KEY / OPENAI_API_KEY, and the built-in mock model anvat-echo is always there
  --log-level LEVEL debug, info, warn, error or silent (env ANVAT_LOG_LEVEL, default info)
  -h, --help        show this help
`

export const keysHelp = `Usage:
  anvat keys create --name NAME --credit USD [--rpm N] [--concurrency N] [--window-spend-usd X] [--db PATH]
  anvat keys list [--db PATH] [--json]
  anvat keys revoke ID [--db PATH]

create   makes an account with USD credit and a key for it; the key is printed once, as the last line of stdout,
         and only its SHA-256 hash is stored. --rpm, --concurrency and --window-spend-usd are per-key limits.
list     shows every key: id, name, visible prefix, balance, limits, created and revoked times.
revoke   revokes a key by id; a running gateway stops accepting it within its key cache time (30 s by default).

--db PATH defaults to env ANVAT_DB, else ./anvat.db.
`
