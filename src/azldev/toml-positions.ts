/**
 * Where things are in a TOML document: a position for every table header, key and array element,
 * keyed by its path in the decoded data. The TOML decoder (smol-toml) gives data but no positions;
 * findings must point at `file:line:column`, so this scanner walks the same text once more and
 * records them. It assumes the text already decoded without error (the decoder is the validator),
 * so it only has to be right on valid TOML, and never throws on anything else.
 *
 * Paths are arrays of keys; array elements (both `[[array.of.tables]]` and inline `[ … ]` elements)
 * are addressed by their index, as a string: ["components", "bash", "overlays", "0", "regex"].
 */

export interface TomlPosition {
  /** 1-based */
  line: number;
  /** 1-based, in UTF-16 code units */
  column: number;
}

export class TomlPositions {
  private readonly lineStarts: number[];

  constructor(
    private readonly text: string,
    private readonly offsets: Map<string, number>,
    /** array path → offset of each element (kept apart: arrays of thousands of strings are common) */
    private readonly elements: Map<string, number[]>,
  ) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
    this.lineStarts = starts;
  }

  /** Position of the key / header / element at `path`; undefined when not recorded. */
  exact(path: readonly (string | number)[]): TomlPosition | undefined {
    const offset = this.offsetOf(path);
    return offset === undefined ? undefined : this.positionOf(offset);
  }

  /** Position of `path`, or of its nearest recorded ancestor, or 1:1. */
  of(path: readonly (string | number)[]): TomlPosition {
    for (let n = path.length; n > 0; n--) {
      const offset = this.offsetOf(n === path.length ? path : path.slice(0, n));
      if (offset !== undefined) return this.positionOf(offset);
    }
    return { line: 1, column: 1 };
  }

  private offsetOf(path: readonly (string | number)[]): number | undefined {
    const offset = this.offsets.get(pathKey(path));
    if (offset !== undefined || path.length === 0) return offset;
    const last = path[path.length - 1];
    const index = typeof last === "number" ? last : /^\d+$/.test(String(last)) ? Number(last) : undefined;
    if (index === undefined) return undefined;
    return this.elements.get(pathKey(path.slice(0, -1)))?.[index];
  }

  positionOf(offset: number): TomlPosition {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.lineStarts[lo] as number) + 1 };
  }
}

export function pathKey(path: readonly (string | number)[]): string {
  return path.join("\u0001");
}

/** Scan `text` (valid TOML) and index the position of every header, key and array element. */
export function indexTomlPositions(text: string): TomlPositions {
  const scanner = new Scanner(text);
  try {
    scanner.document();
  } catch {
    // A scanner hiccup on exotic input only costs precision: lookups fall back to ancestors.
  }
  return new TomlPositions(text, scanner.offsets, scanner.elements);
}

class Scanner {
  readonly offsets = new Map<string, number>();
  readonly elements = new Map<string, number[]>();
  private i = 0;
  /** array-of-tables path key → number of elements seen so far */
  private readonly arrayTables = new Map<string, number>();

  constructor(private readonly s: string) {}

  document(): void {
    const s = this.s;
    let table: string[] = [];
    while (this.i < s.length) {
      this.skipWhitespaceAndNewlines();
      if (this.i >= s.length) break;
      const c = s[this.i];
      if (c === "#") {
        this.skipComment();
      } else if (c === "[") {
        const start = this.i;
        const isArray = s[this.i + 1] === "[";
        this.i += isArray ? 2 : 1;
        const keys = this.keyPath();
        this.skipInlineSpace();
        this.i += isArray ? 2 : 1; // ] or ]]
        const resolved = this.resolve(keys, isArray);
        if (isArray) {
          const arrayKey = pathKey(resolved);
          const count = this.arrayTables.get(arrayKey) ?? 0;
          this.arrayTables.set(arrayKey, count + 1);
          this.record(resolved, start);
          table = [...resolved, String(count)];
          this.record(table, start);
        } else {
          table = resolved;
          this.record(table, start);
        }
      } else {
        this.keyValue(table);
      }
    }
  }

  /** Insert the current element index after every array-of-tables prefix. */
  private resolve(keys: string[], isArrayHeader: boolean): string[] {
    if (this.arrayTables.size === 0) return keys;
    const out: string[] = [];
    for (let k = 0; k < keys.length; k++) {
      out.push(keys[k] as string);
      const isLast = k === keys.length - 1;
      if (isLast && isArrayHeader) break;
      const count = this.arrayTables.get(pathKey(out));
      if (count !== undefined && count > 0) out.push(String(count - 1));
    }
    return out;
  }

  private record(path: string[], offset: number): void {
    const key = pathKey(path);
    if (!this.offsets.has(key)) this.offsets.set(key, offset);
  }

  private keyValue(table: string[]): void {
    const start = this.i;
    const keys = this.keyPath();
    const path = [...table];
    for (const key of keys) {
      path.push(key);
      this.record(path, start);
    }
    this.skipInlineSpace();
    if (this.s[this.i] === "=") this.i++;
    this.skipInlineSpace();
    this.value(path);
    this.skipInlineSpace();
    if (this.s[this.i] === "#") this.skipComment();
  }

  private value(path: string[]): void {
    const s = this.s;
    const c = s[this.i];
    if (c === '"' || c === "'") {
      this.string();
    } else if (c === "[") {
      this.array(path);
    } else if (c === "{") {
      this.inlineTable(path);
    } else {
      // number, boolean, date-time: up to a delimiter (a date-time may contain one space)
      while (this.i < s.length) {
        const d = s[this.i] as string;
        if (d === "," || d === "]" || d === "}" || d === "\n" || d === "\r" || d === "#") break;
        if ((d === " " || d === "\t") && !/^ \d/.test(s.slice(this.i, this.i + 2))) break;
        this.i++;
      }
    }
  }

  private array(path: string[]): void {
    this.i++; // [
    let index = 0;
    const offsets: number[] = [];
    const arrayKey = pathKey(path);
    if (!this.elements.has(arrayKey)) this.elements.set(arrayKey, offsets);
    for (;;) {
      this.skipWhitespaceCommentsAndNewlines();
      if (this.i >= this.s.length) return;
      if (this.s[this.i] === "]") {
        this.i++;
        return;
      }
      offsets.push(this.i);
      const c = this.s[this.i];
      // Only containers need a path of their own (for the keys inside them).
      this.value(c === "{" || c === "[" ? [...path, String(index)] : path);
      index++;
      this.skipWhitespaceCommentsAndNewlines();
      if (this.s[this.i] === ",") this.i++;
    }
  }

  private inlineTable(path: string[]): void {
    this.i++; // {
    for (;;) {
      this.skipWhitespaceCommentsAndNewlines();
      if (this.i >= this.s.length) return;
      if (this.s[this.i] === "}") {
        this.i++;
        return;
      }
      const start = this.i;
      const keys = this.keyPath();
      const keyPath = [...path];
      for (const key of keys) {
        keyPath.push(key);
        this.record(keyPath, start);
      }
      this.skipInlineSpace();
      if (this.s[this.i] === "=") this.i++;
      this.skipInlineSpace();
      this.value(keyPath);
      this.skipWhitespaceCommentsAndNewlines();
      if (this.s[this.i] === ",") this.i++;
    }
  }

  private keyPath(): string[] {
    const keys: string[] = [];
    for (;;) {
      this.skipInlineSpace();
      keys.push(this.key());
      this.skipInlineSpace();
      if (this.s[this.i] === ".") {
        this.i++;
        continue;
      }
      return keys;
    }
  }

  private key(): string {
    const s = this.s;
    const c = s[this.i];
    if (c === '"') return unescapeBasic(this.string());
    if (c === "'") return this.string();
    const start = this.i;
    while (this.i < s.length && isBareKeyChar(s.charCodeAt(this.i))) this.i++;
    if (this.i === start) throw new Error("not a key");
    return s.slice(start, this.i);
  }

  /** Consume a string token and return its raw body (escapes left as written). */
  private string(): string {
    const s = this.s;
    const quote = s[this.i] as string;
    const triple = s.startsWith(quote.repeat(3), this.i);
    if (triple) {
      this.i += 3;
      const bodyStart = this.i;
      for (;;) {
        if (this.i >= s.length) return s.slice(bodyStart);
        if (quote === '"' && s[this.i] === "\\") {
          this.i += 2;
          continue;
        }
        if (s.startsWith(quote.repeat(3), this.i)) {
          // up to two extra quotes may belong to the body: """a""""" ends at the last three
          let end = this.i + 3;
          while (s[end] === quote && end - this.i < 5) end++;
          const body = s.slice(bodyStart, end - 3);
          this.i = end;
          return body;
        }
        this.i++;
      }
    }
    this.i++;
    const bodyStart = this.i;
    let end = s.indexOf(quote, bodyStart);
    if (quote === '"') {
      // skip quotes escaped by an odd run of backslashes
      while (end >= 0 && isEscaped(s, end)) end = s.indexOf(quote, end + 1);
    }
    // The decoder accepted the text, so a single-line string closes on its own line.
    if (end < 0) {
      this.i = s.length;
      return s.slice(bodyStart);
    }
    this.i = end + 1;
    return s.slice(bodyStart, end);
  }

  private skipInlineSpace(): void {
    while (this.s[this.i] === " " || this.s[this.i] === "\t") this.i++;
  }

  private skipWhitespaceAndNewlines(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") this.i++;
      else return;
    }
  }

  private skipWhitespaceCommentsAndNewlines(): void {
    for (;;) {
      this.skipWhitespaceAndNewlines();
      if (this.s[this.i] === "#") this.skipComment();
      else return;
    }
  }

  private skipComment(): void {
    const nl = this.s.indexOf("\n", this.i);
    this.i = nl < 0 ? this.s.length : nl;
  }
}

/** Is the character at `index` preceded by an odd number of backslashes? */
function isEscaped(s: string, index: number): boolean {
  let n = 0;
  for (let k = index - 1; k >= 0 && s.charCodeAt(k) === 92; k--) n++;
  return n % 2 === 1;
}

function isBareKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

function unescapeBasic(raw: string): string {
  if (!raw.includes("\\")) return raw;
  return raw.replace(/\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, (_, e: string) => {
    switch (e[0]) {
      case "b":
        return "\b";
      case "t":
        return "\t";
      case "n":
        return "\n";
      case "f":
        return "\f";
      case "r":
        return "\r";
      case "e":
        return "\x1b";
      case "u":
      case "U":
        return String.fromCodePoint(parseInt(e.slice(1), 16));
      default:
        return e;
    }
  });
}
