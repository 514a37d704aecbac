import { describe, expect, it } from 'vitest';
import { ErrorCode as DomainCode, TessError as DomainError } from '../../engine/errors.js';
import { ErrorCode, HttpErrorCode, isTessError } from '../../http/error-codes.js';

describe('error codes by layer', () => {
  it('the domain codes hold none of the codes only a request earns', () => {
    const domain = Object.values(DomainCode) as string[];
    for (const code of Object.values(HttpErrorCode)) expect(domain).not.toContain(code);
    expect(domain).toEqual(expect.arrayContaining(['INVALID', 'UNAVAILABLE', 'MIGRATION', 'ORDER_LIMIT']));
  });

  it("the API's codes are the domain's and HTTP's own, each once", () => {
    const all = [...Object.values(DomainCode), ...Object.values(HttpErrorCode)];
    expect(new Set(all).size).toBe(all.length);
    expect(Object.values(ErrorCode).sort()).toEqual(all.sort());
  });

  it('the HTTP layer recognises an error thrown below it', () => {
    const err = new DomainError(DomainCode.NOT_FOUND, 'device 1 not found');
    expect(isTessError(err)).toBe(true);
    expect(isTessError(new Error('x'))).toBe(false);
  });
});
