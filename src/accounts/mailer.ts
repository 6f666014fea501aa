import type { Transporter } from 'nodemailer'
import type { MailConfig } from '../config/schema.ts'

/*
 * Mail the self-serve pages send: an address confirmation after signup and a password reset link. Pluggable: the
 * gateway takes any `Mailer`; the one built from the config's `mail` section sends over SMTP with nodemailer
 * (STARTTLS when the server offers it, or TLS from the start with smtps://). Without `mail`, neither flow exists.
 */

export type MailMessage = { to: string; subject: string; text: string }

export type Mailer = { send: (message: MailMessage) => Promise<void> }

/** nodemailer loads with the first mail, so a gateway that sends none (most) never pays for it at start. */
export function createSmtpMailer(mail: MailConfig): Mailer {
  let transport: Promise<Transporter> | undefined
  return {
    send: async (message) => {
      transport ??= import('nodemailer').then(({ createTransport }) => createTransport(mail.smtpUrl))
      await (await transport).sendMail({ from: mail.from, ...message })
    },
  }
}
