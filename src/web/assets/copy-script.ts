/** The self-serve pages' one script, served as /app/app.js (a file of its own, so the CSP needs no inline script). */
export const copyScript = `// The one script of the self-serve pages, and an optional one: it adds "Copy" buttons next to a newly shown key.
// Everything else works without JavaScript.
for (const target of document.querySelectorAll('[data-copy]')) {
  const button = document.createElement('button')
  button.type = 'button'
  button.className = 'secondary'
  button.textContent = 'Copy'
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(target.textContent.trim())
      button.textContent = 'Copied'
    } catch {
      button.textContent = 'Select and copy it by hand'
    }
  })
  target.after(button)
}
`
