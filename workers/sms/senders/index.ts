/** The outbound SMS senders: what the message queue's worker uses. */
export { deadline, type Deadline } from './deadline.js';
export {
  type RetryOptions,
  type RetryResult,
  RETRY_DEFAULTS,
  type SendAttempt,
  sendWithRetry,
} from './send-with-retry.js';
export {
  DELIVERY_STATES,
  type DeliveryOutcome,
  type DeliveryState,
  type OutboundSms,
  type SendFailure,
  type SendOutcome,
  type SmsSender,
} from './sender.js';
export { senderFor } from './sender-for.js';
export {
  type InterfaceFields,
  type InterfaceSettings,
  type KannelSettings,
  type LogSettings,
  parseInterfaceSettings,
  type TwilioSettings,
  type WebhookSettings,
} from './settings.js';
