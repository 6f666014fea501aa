/** The pages' icon: a small "A" mark as SVG, served as /app/favicon.svg so the browser asks for nothing else. */
export const faviconSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b5cad"/><path d="M9 25 16 7l7 18h-4l-1.4-4h-3.2L13 25zm5.6-7h2.8L16 13.6z" fill="#fff"/></svg>`
