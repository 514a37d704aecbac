import type { Lang } from './langs.js';

/**
 * Every reply the gateway texts a customer, in each language, with {named} placeholders
 * (reply-values.ts says how each is written and bounds it). Each fits one SMS with the
 * longest values and uses only the GSM 7-bit basic alphabet (gsm7.ts), which the tests
 * hold every template to: French keeps é è à ù and does without ê ç ô.
 */
export const REPLY_TEMPLATES = {
  balance: {
    en: 'Account {pin}: your balance is {balance} {currency} (updated {updated}).',
    fr: 'Compte {pin} : votre solde est de {balance} {currency} (mis à jour le {updated}).',
  },
  'topped-up': {
    en: 'Account {pin}: {value} {currency} added. Your new balance is {balance} {currency}.',
    fr: 'Compte {pin} : {value} {currency} ajoutés. Votre nouveau solde est de {balance} {currency}.',
  },
  'token-used': {
    en: 'This token has already been used: each token adds credit once. Check the number on your card.',
    fr: "Ce code a déjà été utilisé : chaque code ne sert qu'une fois. Vérifiez le numéro sur votre carte.",
  },
  'token-unknown': {
    en: 'This token is not valid. Check the number on your card and send ADD.PIN.TOKEN again.',
    fr: "Ce code n'est pas valide. Vérifiez le numéro sur votre carte et renvoyez RECHARGE.PIN.CODE.",
  },
  /**
   * Sent alike whether no account has the PIN or it is someone else's account: a reply
   * that told them apart would let anyone find which PINs exist by texting guesses.
   */
  'pin-unknown': {
    en: 'We found no account {pin} for this phone. Check the PIN on your card and try again.',
    fr: 'Nous ne trouvons pas de compte {pin} pour ce téléphone. Vérifiez le PIN sur votre carte et réessayez.',
  },
  'switch-queued': {
    en: 'Account {pin}: your circuit will be turned {state} shortly. You will get a message when it is done.',
    fr: 'Compte {pin} : votre circuit sera {state} sous peu. Vous recevrez un message quand ce sera fait.',
  },
  'switch-done': {
    en: 'Account {pin}: your circuit was turned {state} at {at}.',
    fr: 'Compte {pin} : votre circuit a été {state} le {at}.',
  },
  usage: {
    en: 'Account {pin}, last 30 days: {energy} kWh used, {spent} {currency} spent.',
    fr: 'Compte {pin}, 30 derniers jours : {energy} kWh consommés, {spent} {currency} dépensés.',
  },
  /** Sent to both numbers, the old and the new: each reads which it is. */
  'phone-changed': {
    en: 'Account {pin}: its phone number changed from {old} to {new}. Messages now go to {new}.',
    fr: 'Compte {pin} : son numéro de téléphone passe du {old} au {new}. Les messages iront au {new}.',
  },
  'unknown-command': {
    en: 'Unknown command. Send BAL.PIN (balance), ADD.PIN.TOKEN (credit), ON.PIN, OFF.PIN, USE.PIN (30 days) or TEL.PIN.NUMBER (phone).',
    fr: 'Commande inconnue. Envoyez SOLDE.PIN (solde), RECHARGE.PIN.CODE (crédit), ON.PIN, OFF.PIN, USE.PIN (30 jours) ou TEL.PIN.NUMERO.',
  },
  'malformed-pin': {
    en: 'Your PIN is the 6 different digits from 2 to 9 on your card. Example: BAL.234567',
    fr: 'Votre PIN est fait des 6 chiffres différents de 2 à 9 de votre carte. Exemple : SOLDE.234567',
  },
  'malformed-token': {
    en: 'The token is the number of 11 or more digits on your card. Send ADD.PIN.TOKEN, for example ADD.234567.12345678901',
    fr: "Le code est le nombre d'au moins 11 chiffres de votre carte. Envoyez RECHARGE.PIN.CODE, par exemple RECHARGE.234567.12345678901",
  },
  'malformed-number': {
    en: 'A phone number is 6 to 15 digits, with + in front if you like. Send TEL.PIN.NUMBER, for example TEL.234567.+22376123456',
    fr: 'Un numéro de téléphone a 6 à 15 chiffres, avec + devant si besoin. Envoyez TEL.PIN.NUMERO, par exemple TEL.234567.+22376123456',
  },
  'malformed-extra': {
    en: 'Too many parts in your message: send the command and your PIN only, for example BAL.234567 or OFF.234567',
    fr: "Trop d'éléments dans votre message : envoyez la commande et votre PIN seulement, par exemple SOLDE.234567 ou OFF.234567",
  },
} as const satisfies Record<string, Record<Lang, string>>;

export type ReplyKey = keyof typeof REPLY_TEMPLATES;
