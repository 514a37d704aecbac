import { connect } from 'node:net';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, type People, seedPeople, useApi } from './helpers.js';

// Every request must be answered within 2 s here (REQUEST_TIMEOUT_MS; 30 s by default).
const api = useApi({ env: { REQUEST_TIMEOUT_MS: '2000' } });
let p: People;
beforeAll(async () => {
  p = await seedPeople(api.db);
});

describe('request timeouts', () => {
  it('a request the database does not answer is 503 UNAVAILABLE, not held open', async () => {
    // A table locked by another session: every read of it waits, as on a database that
    // stopped answering.
    const locker = new pg.Client({ connectionString: api.test.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE preference IN ACCESS EXCLUSIVE MODE');
      const r = await call(api.app, 'GET', '/api/v1/preferences', { token: p.tokens.admin });
      expect(r.statusCode).toBe(503);
      expect(r.data.error).toEqual({
        code: 'UNAVAILABLE',
        message: 'the request was not answered in time (REQUEST_TIMEOUT_MS); try again',
      });
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await call(api.app, 'GET', '/api/v1/preferences', { token: p.tokens.admin })).statusCode).toBe(
      200,
    );
  });

  it('a client that stops sending its body is answered 503 and its connection not kept', async () => {
    const address = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(address);
    const socket = connect(Number(port), '127.0.0.1');
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (d) => {
        text += d.toString();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write(
        'POST /api/v1/orders HTTP/1.1\r\nHost: tess\r\nContent-Type: application/json\r\n' +
          `Authorization: Bearer ${p.tokens.device}\r\nContent-Length: 200\r\n\r\n{"resource":`,
      );
    });
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toContain('"code":"UNAVAILABLE"');
  });
});
