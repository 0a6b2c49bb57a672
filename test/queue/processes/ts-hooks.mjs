// Module hooks that let a child process run the project's TypeScript sources as they are (what
// vitest does for the tests themselves): `.js` imports that name a `.ts` file resolve to it, and
// `.ts` files are transpiled one at a time — with the transformer vitest itself runs on (oxc, through
// rolldown: milliseconds per file), or with the TypeScript compiler if that is not installed.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const transpile = await import("rolldown/utils").then(
  ({ transformSync }) => (fileName, source) => {
    const result = transformSync(fileName, source, { sourcemap: false });
    if (result.errors.length > 0) throw new Error(`${fileName}: ${result.errors.map((e) => e.message).join("; ")}`);
    return result.code;
  },
  async () => {
    const { default: ts } = await import("typescript");
    const compilerOptions = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, isolatedModules: true, esModuleInterop: true };
    return (fileName, source) => ts.transpileModule(source, { fileName, compilerOptions }).outputText;
  },
);

export async function resolve(specifier, context, next) {
  if (context.parentURL?.endsWith(".ts") && specifier.endsWith(".js") && (specifier.startsWith(".") || specifier.startsWith("/"))) {
    const url = new URL(specifier, context.parentURL);
    const tsUrl = new URL(url.href.replace(/\.js$/, ".ts"));
    if (!existsSync(url) && existsSync(tsUrl)) return { url: tsUrl.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const fileName = fileURLToPath(url);
  return { format: "module", source: transpile(fileName, await readFile(fileName, "utf8")), shortCircuit: true };
}
