/**
 * A copy of a value in which structurally equal plain objects and arrays are one object. The
 * structured serialiser (node:v8) writes an object met twice once, as a back-reference, so a stored
 * value with many equal parts — 7,600 component configurations with the same build settings, the
 * same empty lists, the same upstream distro — is written once per distinct part and, which is what
 * matters, built once per distinct part when it is read back: reading the full Azure Linux project
 * takes about a third of the time.
 *
 * Only for values that are never changed in place once built (a loaded project is shared between
 * reviews already): a change through one sharer would show in all of them. Maps are copied with
 * their keys and values shared the same way; any other object (a Date, a class instance) is kept as
 * it is, unshared.
 */

/** `value` with its equal plain parts shared; `value` itself is not changed. */
export function shareEqualParts<T>(value: T): T {
  const pool = new Map<string, object>();
  const ids = new Map<object, number>();
  // strings by number: a long string (a render fingerprint) is hashed once, not copied into every key
  const strings = new Map<string, number>();

  const token = (part: unknown): string => {
    switch (typeof part) {
      case "string": {
        let id = strings.get(part);
        if (id === undefined) {
          id = strings.size;
          strings.set(part, id);
        }
        return `s${id}`;
      }
      case "number":
        return Object.is(part, -0) ? "n-0" : `n${part}`;
      case "bigint":
        return `i${part}`;
      case "boolean":
        return part ? "t" : "f";
      case "undefined":
        return "u";
      default:
        if (part === null) return "z";
        // an object: its identity, which is its structure once shared (or itself when not shareable)
        let id = ids.get(part as object);
        if (id === undefined) {
          id = ids.size;
          ids.set(part as object, id);
        }
        return `#${id}`;
    }
  };

  const share = (part: unknown): unknown => {
    if (part === null || typeof part !== "object") return part;
    if (part instanceof Map) return new Map([...part].map(([key, item]) => [share(key), share(item)]));
    let copy: object;
    let key: string;
    if (Array.isArray(part)) {
      const items = part.map(share);
      let present = 0;
      items.forEach(() => present++);
      // an array with holes is copied, never shared: a hole is not an undefined item
      if (present !== items.length) return items;
      copy = items;
      key = "[";
      for (const item of items) key += `${token(item)},`;
    } else if (Object.getPrototypeOf(part) === Object.prototype) {
      const fields: Record<string, unknown> = {};
      key = "{";
      for (const name of Object.keys(part)) {
        const item = share((part as Record<string, unknown>)[name]);
        // a key named __proto__ is defined, not assigned, so that it stays a key
        if (name === "__proto__") Object.defineProperty(fields, name, { value: item, enumerable: true, writable: true, configurable: true });
        else fields[name] = item;
        key += `${token(name)}:${token(item)},`;
      }
      copy = fields;
    } else {
      return part;
    }
    const known = pool.get(key);
    if (known) return known;
    pool.set(key, copy);
    return copy;
  };

  return share(value) as T;
}
