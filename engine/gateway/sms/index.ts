/** The gateway's SMS: the field meters' protocol, customers' commands and the replies to them. Pure. */
export * from './base36.js';
export * from './commands.js';
export * from './compressed-log.js';
export * from './field-codecs.js';
export * from './gsm7.js';
export * from './langs.js';
export * from './local-time.js';
export * from './meter-format.js';
export * from './meter-messages.js';
export * from './meter-parse.js';
export * from './meter-time.js';
export * from './replies.js';
export * from './reply-templates.js';
export * from './reply-values.js';
export * from './sms-limits.js';
