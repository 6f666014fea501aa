import { formatMicrosForPeople } from '../../core/money.ts'
import { html, type Html } from '../html.ts'
import { csrfField } from '../layout.ts'
import { passwordLengthMin } from '../../accounts/users.ts'

/** Pure renderers of the signed-out pages: signup, sign-in, and the page that shows a new user's first key. */

const problemLine = (problem: string | undefined) => problem && html`<p class="error" role="alert" id="form-problem">${problem}</p>`

export function signupForm(options: { csrfToken: string; email?: string; problem?: string; grantMicros: number; open: boolean }): Html {
  if (!options.open) return html`<h1>Sign up</h1><p>Signup is closed on this gateway. Ask its operator for an account, or <a href="/app/login">sign in</a>.</p>`
  const grant = options.grantMicros > 0 ? html`<p>Free: $${formatMicrosForPeople(options.grantMicros)} of credit to start, no card required.</p>` : ''
  return html`<div class="narrow">
<h1>Create your account</h1>
${grant}
${problemLine(options.problem)}
<form method="post" action="/app/signup"${options.problem ? html` aria-describedby="form-problem"` : ''}>
${csrfField(options.csrfToken)}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${options.email ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${passwordLengthMin}" aria-describedby="password-hint">
<p class="muted" id="password-hint">At least ${passwordLengthMin} characters.</p>
<div class="actions"><button type="submit">Sign up</button> <a href="/app/login">I have an account</a></div>
</form>
</div>`
}

export function loginForm(options: { csrfToken: string; email?: string; problem?: string; notice?: string; resetAvailable: boolean }): Html {
  return html`<div class="narrow">
<h1>Sign in</h1>
${options.notice && html`<p class="notice" role="status">${options.notice}</p>`}
${problemLine(options.problem)}
<form method="post" action="/app/login"${options.problem ? html` aria-describedby="form-problem"` : ''}>
${csrfField(options.csrfToken)}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${options.email ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions"><button type="submit">Sign in</button> <a href="/app/signup">Create an account</a>${options.resetAvailable && html` <a href="/app/reset">Forgot your password?</a>`}</div>
</form>
</div>`
}

/** A key in clear, shown once, with a copy button when scripts run. */
export function keyShownOnce(key: string, name: string): Html {
  return html`<div class="panel" role="status">
<h2>Your new key “${name}”</h2>
<p>Copy it now: it is shown only this once. The gateway keeps only a hash of it.</p>
<code class="secret" data-copy id="new-key">${key}</code>
</div>`
}

export function signupDone(options: { key: string; keyName: string; grantMicros: number; baseUrl: string; confirmation?: Html }): Html {
  return html`<h1>Welcome to Anvat</h1>
${options.confirmation ?? (options.grantMicros > 0 && html`<p>Your account starts with <strong>$${formatMicrosForPeople(options.grantMicros)}</strong> of credit.</p>`)}
${keyShownOnce(options.key, options.keyName)}
<h2>Use it</h2>
<p>Point any OpenAI or Anthropic client at this gateway with the key:</p>
<pre class="panel"><code>export OPENAI_BASE_URL=${options.baseUrl}/v1
export OPENAI_API_KEY=&lt;your key&gt;
export ANTHROPIC_BASE_URL=${options.baseUrl}
export ANTHROPIC_API_KEY=&lt;your key&gt;</code></pre>
<p><a class="button" href="/app/keys">Go to your keys</a> <a href="/app/billing">Billing</a></p>`
}

/** The page for an error that escaped a form: a title and a sentence, in the page frame. */
export function errorBody(title: string, message: string): Html {
  return html`<h1>${title}</h1><p>${message}</p><p><a href="/app/keys">Back to your keys</a></p>`
}

/** Shown after signup when mail is set up: the grant waits for the confirmation link. */
export function confirmationPending(options: { email: string; grantMicros: number; sent: boolean; csrfToken: string }): Html {
  const grant = options.grantMicros > 0 ? html` Your $${formatMicrosForPeople(options.grantMicros)} of credit is added when you confirm.` : ''
  return html`<div class="panel" role="status">
<h2>Confirm your address</h2>
${options.sent ? html`<p>We sent a link to <strong>${options.email}</strong>; it works for 48 hours.${grant}</p>` : html`<p class="error">We could not send the confirmation mail just now.${grant}</p>`}
<form method="post" action="/app/verify/resend">${csrfField(options.csrfToken)}<button class="secondary" type="submit">Send the link again</button></form>
</div>`
}

export function resetRequestForm(options: { csrfToken: string; email?: string; problem?: string; notice?: string }): Html {
  return html`<div class="narrow">
<h1>Reset your password</h1>
${options.notice && html`<p class="notice" role="status">${options.notice}</p>`}
${problemLine(options.problem)}
<form method="post" action="/app/reset">
${csrfField(options.csrfToken)}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${options.email ?? ''}">
<div class="actions"><button type="submit">Send a reset link</button> <a href="/app/login">Back to sign in</a></div>
</form>
</div>`
}

export function resetPasswordForm(options: { csrfToken: string; token: string; problem?: string }): Html {
  return html`<div class="narrow">
<h1>Choose a new password</h1>
${problemLine(options.problem)}
<form method="post" action="/app/reset/confirm">
${csrfField(options.csrfToken)}
<input type="hidden" name="token" value="${options.token}">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${passwordLengthMin}" aria-describedby="password-hint">
<p class="muted" id="password-hint">At least ${passwordLengthMin} characters. Every other sign-in ends.</p>
<div class="actions"><button type="submit">Set password</button></div>
</form>
</div>`
}
