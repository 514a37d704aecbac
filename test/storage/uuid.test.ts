import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../storage/uuid.js';

describe('uuidv7', () => {
  it('is a version-7, variant-1 UUID whose first 48 bits are the milliseconds', () => {
    const at = Date.UTC(2026, 10, 23, 12, 0, 0, 123);
    const id = uuidv7(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts by time and does not repeat', () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => uuidv7(1_700_000_000_000 + Math.floor(i / 100)));
    expect(new Set(ids).size).toBe(ids.length);
    const prefixes = ids.map((id) => id.slice(0, 13));
    expect([...prefixes].sort()).toEqual(prefixes);
  });

  it('keeps ids made back to back, within one millisecond or across several, in the order they were made', () => {
    const ids = Array.from({ length: 50_000 }, () => uuidv7());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // Several ids share a millisecond, so the order above is the counter's, not the clock's.
    expect(ids.some((id, i) => i > 0 && id.slice(0, 13) === ids[i - 1]!.slice(0, 13))).toBe(true);
  });
});
