/** The prepaid gateway's rules (seed 001): PINs, credit tokens, consumption charges, tariffs, alerts, jobs. Pure. */
export * from './alert-desk.js';
export * from './alerts.js';
export * from './consumption.js';
export * from './credit-token.js';
export * from './interface-kinds.js';
export * from './jobs.js';
export * from './pin.js';
export * from './sms/index.js';
export * from './tariff.js';
