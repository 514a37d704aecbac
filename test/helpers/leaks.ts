import { afterAll } from 'vitest';

/**
 * Fails a test file that leaves sockets open (database or Redis connections, servers):
 * every file must close what it opened. Runs after the file's own afterAll hooks.
 */
afterAll(async () => {
  // Closed sockets leave the list on the next turns of the event loop.
  for (let i = 0; i < 20; i++) {
    if (!open().length) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`test file left open: ${open().join(', ')}`);
});

function open(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap');
}
