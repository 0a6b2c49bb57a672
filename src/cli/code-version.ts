/**
 * A short key for the code that computes what a cache keeps: the size and modification time of every
 * module in the given directories of the build. A rebuilt module changes the key, so a cache never
 * serves what older code computed.
 */
import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const keys = new Map<string, Promise<string>>();

/** `format` names the stored shape; `modules` are directories of the build (src/<module>/). */
export function codeVersion(format: string, modules: readonly string[]): Promise<string> {
  const id = `${format}\0${modules.join("\0")}`;
  let key = keys.get(id);
  if (!key) {
    key = (async () => {
      const root = dirname(dirname(fileURLToPath(import.meta.url)));
      const hash = createHash("sha256").update(format);
      for (const module of [...modules].sort()) {
        const names = (await readdir(join(root, module)).catch(() => [] as string[])).filter((n) => n.endsWith(".js")).sort();
        for (const name of names) {
          const info = await stat(join(root, module, name));
          hash.update(`${module}/${name}:${info.size}:${info.mtimeMs}\n`);
        }
      }
      return `${format}:${hash.digest("hex").slice(0, 16)}`;
    })();
    keys.set(id, key);
  }
  return key;
}
