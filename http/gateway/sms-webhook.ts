import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type CommunicationInterfaceRow, type Database, receiveMessage } from '../../storage/index.js';
import { smsReceived } from '../../workers/metrics.js';
import { SMS_JOBS, type SmsQueue } from '../../workers/sms/sms-queue.js';
import { ErrorCode } from '../error-codes.js';
import { fail } from '../errors.js';
import { parseId } from '../query.js';
import type { TypedApp } from '../route-types.js';
import { GATEWAY_BASE } from './paths.js';
import { sameSecret, twilioSignature } from './twilio-signature.js';

/** What the inbound webhook needs besides the database. */
export interface SmsWebhookOptions {
  readonly queue: SmsQueue;
  /** SMS_SECRET_… variables by name (cli/settings.ts). */
  readonly secrets: Readonly<Record<string, string>>;
  /** The API's address as providers reach it, or '' for each request's own. */
  readonly publicUrl: string;
}

/** Longest message body kept: ten concatenated SMS, Twilio's own limit. */
export const SMS_BODY_MAX = 1600;
const PHONE = /^\+?[0-9A-Za-z][0-9A-Za-z .()_-]{0,63}$/;
const WEBHOOK_BODY_LIMIT = 16 * 1024;

const TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** The interface named in the path, if it takes messages (404 otherwise: its existence is not told). */
async function interfaceOf(db: Database, idText: string): Promise<CommunicationInterfaceRow> {
  const id = parseId(idText, 'path.interface');
  const found = await db.current('communication_interface', id);
  if (found?.status !== 'active') throw fail(ErrorCode.NOT_FOUND, `interface ${id} not found`);
  return found;
}

function secretOf(iface: CommunicationInterfaceRow, secrets: SmsWebhookOptions['secrets']): string {
  const secret = iface.secret_env === null ? undefined : secrets[iface.secret_env];
  if (!secret) {
    throw fail(
      ErrorCode.FORBIDDEN,
      `interface ${iface.name} takes no messages: ${iface.secret_env === null ? 'it names no secret (secret_env)' : `${iface.secret_env} is not set on this server`} to check them with`,
    );
  }
  return secret;
}

/** The URL the provider requested, as it signed it. */
function requestedUrl(request: FastifyRequest, publicUrl: string): string {
  return `${publicUrl || `${request.protocol}://${request.host}`}${request.url}`;
}

/** Checks that the request comes from the interface's provider: Twilio's signature, or the shared secret. */
function authenticate(
  request: FastifyRequest,
  iface: CommunicationInterfaceRow,
  options: SmsWebhookOptions,
  form: Record<string, string> | null,
): void {
  const secret = secretOf(iface, options.secrets);
  if (iface.kind === 'twilio') {
    const given = request.headers['x-twilio-signature'];
    if (typeof given !== 'string' || form === null) {
      throw fail(ErrorCode.FORBIDDEN, 'a Twilio interface takes form posts signed with X-Twilio-Signature');
    }
    if (!sameSecret(given, twilioSignature(secret, requestedUrl(request, options.publicUrl), form))) {
      throw fail(
        ErrorCode.FORBIDDEN,
        'X-Twilio-Signature does not match (is the auth token right, and PUBLIC_URL the address Twilio posts to?)',
      );
    }
    return;
  }
  const auth = request.headers.authorization;
  const bearer = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
  const key = (request.query as Record<string, unknown>)['key'];
  const given = bearer ?? (typeof key === 'string' ? key : undefined);
  if (given === undefined || !sameSecret(given, secret)) {
    throw fail(
      ErrorCode.FORBIDDEN,
      `interface ${iface.name} takes messages with its secret: Authorization: Bearer <secret> or ?key=<secret>`,
    );
  }
}

/** From and text of the request: Twilio's form fields, or our JSON. */
function messageOf(
  body: unknown,
  form: Record<string, string> | null,
): { from: unknown; text: unknown; id: unknown } {
  if (form) return { from: form['From'], text: form['Body'], id: form['MessageSid'] ?? form['SmsSid'] };
  const json = (body ?? {}) as Record<string, unknown>;
  return { from: json['from'], text: json['text'], id: json['id'] };
}

function checked(m: { from: unknown; text: unknown; id: unknown }, where: 'body' | 'query', form: boolean) {
  const [fromName, textName, idName] = form
    ? ['body.From', 'body.Body', 'body.MessageSid']
    : [`${where}.from`, `${where}.text`, `${where}.id`];
  if (typeof m.from !== 'string' || !PHONE.test(m.from)) {
    throw fail(
      ErrorCode.INVALID,
      `${fromName} must be the sender's number (up to 64 characters), not ${JSON.stringify(m.from)?.slice(0, 80)}`,
    );
  }
  if (typeof m.text !== 'string' || m.text.length > SMS_BODY_MAX || m.text.includes('\0')) {
    throw fail(ErrorCode.INVALID, `${textName} must be text of at most ${SMS_BODY_MAX} characters`);
  }
  if (m.id !== undefined && (typeof m.id !== 'string' || m.id.length === 0 || m.id.length > 200)) {
    throw fail(ErrorCode.INVALID, `${idName} must be 1 to 200 characters`);
  }
  return { from: m.from, text: m.text, id: (m.id as string | undefined) ?? null };
}

/**
 * Messages in: a provider posts each SMS it receives to POST /gateway/sms/{interface}
 * (the interface's id): Twilio's form fields (From, Body, MessageSid; signed), or JSON
 * `{"from", "text", "id"?}` with the interface's secret. The message is stored first and
 * acted on through the queue, so the answer comes within any provider's webhook timeout
 * and nothing a provider delivered is lost to a failure of what acts on it. What the
 * message says is not judged here: an unreadable one is stored and ignored later, never
 * refused (a refusal would make the provider deliver it again and again).
 */
export function registerSmsWebhook(app: TypedApp, db: Database, options: SmsWebhookOptions): void {
  void app.register(async (scope) => {
    // Twilio posts forms; the rest of the API reads JSON only.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT },
      (_request, text, done) => {
        const form: Record<string, string> = {};
        for (const [name, value] of new URLSearchParams(text as string)) form[name] = value;
        done(null, { form });
      },
    );
    const receive = async (
      request: FastifyRequest,
      reply: FastifyReply,
      form: Record<string, string> | null,
      fields: { from: unknown; text: unknown; id: unknown },
    ) => {
      const iface = await interfaceOf(db, (request.params as { interface: string }).interface);
      authenticate(request, iface, options, form);
      const m = checked(
        fields,
        form !== null ? 'body' : request.method === 'GET' ? 'query' : 'body',
        form !== null,
      );
      const interfaceId =
        (await db.entryId('communication_interface', iface.communication_interface_id)) ??
        iface.communication_interface_id;
      const { message, duplicate } = await receiveMessage(db, {
        systemId: iface.system_id,
        interfaceId,
        phone: m.from,
        body: m.text,
        providerId: m.id,
      });
      if (!duplicate) smsReceived.inc({ kind: iface.kind });
      // Queued unless Redis is away: then the runtime's sweep finds it still received.
      if (message.state === 'received') await options.queue.add(SMS_JOBS.inbound, message.message_id);
      if (form) return reply.type('text/xml; charset=utf-8').send(TWIML_EMPTY);
      return reply.send({ message_id: message.message_id, duplicate });
    };
    const params = Type.Object(
      { interface: Type.String({ maxLength: 20 }) },
      { additionalProperties: false },
    );
    scope.route({
      method: 'POST',
      url: `${GATEWAY_BASE}/sms/:interface`,
      bodyLimit: WEBHOOK_BODY_LIMIT,
      schema: {
        tags: ['gateway'],
        summary:
          "a provider's inbound SMS (Twilio form fields, signed; or JSON {from, text, id?} with the interface's secret)",
        params,
      },
      handler: async (request, reply) => {
        const body = request.body as { form?: Record<string, string> } | undefined;
        const form = body && typeof body === 'object' && 'form' in body && body.form ? body.form : null;
        return receive(request, reply, form, messageOf(request.body, form));
      },
    });
    // Kannel's sms-service calls a get-url: ?key=<secret>&from=%p&text=%a&id=%I.
    scope.route({
      method: 'GET',
      url: `${GATEWAY_BASE}/sms/:interface`,
      schema: {
        tags: ['gateway'],
        summary: "an inbound SMS as Kannel's get-url sends it: ?key=&from=&text=&id=",
        params,
      },
      handler: async (request, reply) => {
        const q = request.query as Record<string, unknown>;
        return receive(request, reply, null, { from: q['from'], text: q['text'], id: q['id'] });
      },
    });
  });
}
