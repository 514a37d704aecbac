/**
 * `array` when it holds at least `size` elements, else a new array of the same kind and
 * of `size` elements that starts with its contents. Working memory grows this way and is
 * then reused, so a clearing allocates only for a book larger than any before it.
 */
export function withCapacity<A extends Uint32Array | Float64Array>(array: A, size: number): A {
  if (array.length >= size) return array;
  const grown = new (array.constructor as new (size: number) => A)(size);
  grown.set(array);
  return grown;
}
