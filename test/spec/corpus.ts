import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The shared real-world corpus (SPECWARDEN_CORPUS, default <project>/../shared/corpus). */
export const corpusDir = process.env.SPECWARDEN_CORPUS ?? resolve(projectRoot, "../shared/corpus");
export const sampleDir = join(corpusDir, "azl4-sample");
export const oracleFile = join(corpusDir, "azldev-oracle-sample.jsonl");
export const hasCorpus = existsSync(sampleDir);
export const hasOracle = existsSync(oracleFile) && hasCorpus;

/** Every `.spec` file under a directory (paths relative to it), sorted. */
export function findSpecs(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const relPath = rel ? `${rel}/${name}` : name;
      const st = statSync(join(dir, relPath), { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(relPath);
      else if (st.isFile() && name.endsWith(".spec")) out.push(relPath);
    }
  };
  if (existsSync(dir)) walk("");
  return out.sort();
}
