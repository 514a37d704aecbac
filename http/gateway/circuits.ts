import type { FastifyRequest } from 'fastify';
import { isPin } from '../../engine/gateway/index.js';
import type { CircuitRow, Database } from '../../storage/index.js';
import { ErrorCode } from '../error-codes.js';
import { fail } from '../errors.js';
import { assertOwnsGatewayRow } from './ownership.js';

/** A PIN from a path (or the request field `name`), checked (six distinct characters of 23456789). */
export function parsePin(text: string, name = 'path.pin'): string {
  if (!isPin(text)) {
    throw fail(
      ErrorCode.INVALID,
      `${name} must be six distinct characters of 23456789, not ${JSON.stringify(text)}`,
    );
  }
  return text;
}

/**
 * The circuit with `pin` in the caller's system, as known at the handle's clock, if the
 * caller may reach it: a customer only their own, and another's is answered as not found.
 */
export async function circuitByPin(db: Database, request: FastifyRequest, pin: string): Promise<CircuitRow> {
  const systemId = request.principal!.systemId;
  const id = await db.circuit.find({ system_id: systemId, pin });
  const circuit = id === null ? null : await db.circuit.get(id);
  if (!circuit) throw fail(ErrorCode.NOT_FOUND, `circuit ${pin} not found`);
  await assertOwnsGatewayRow(db, request, 'circuit', circuit, `circuit ${pin}`);
  return circuit;
}
