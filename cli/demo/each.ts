/**
 * Runs `fn` over items (and their index) with at most `limit` at once: the demo's clients
 * share the process, and its two cores, with the API they call.
 */
export async function each<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}
