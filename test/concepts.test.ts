import { describe, expect, it } from 'vitest';
import { CLEARING_TYPES, SIDES } from '../engine/index.js';
import { LOG_EVENTS, ORDER_STATUS, ROLES, TABLES, type TableName } from '../storage/tables.js';

// Each concept is listed once; the tables' allowed values and the row types derive from
// that list, so a value added in one place cannot be missing from another.
const values = (table: TableName, column: string) =>
  TABLES[table].columns.find((c) => c.name === column)?.values;

describe('one list per concept', () => {
  it("the price table's clearing types are the engine's list", () => {
    expect(values('price', 'type')).toBe(CLEARING_TYPES);
  });

  it('roles, order statuses and log events are each one exported list', () => {
    expect(values('user', 'role')).toBe(ROLES);
    expect(values('order', 'status')).toBe(ORDER_STATUS);
    expect(values('log', 'event')).toBe(LOG_EVENTS);
  });

  it("the order table's sides are the engine's", () => {
    expect(values('order', 'side')).toBe(SIDES);
  });
});
