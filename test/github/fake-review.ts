/**
 * A review engine stand-in driven by its input, with the real engine's output shapes: it reads both
 * RepoViews, flags patches vendored into the rendered tree and hand-added Patch lines in rendered
 * specs, and synthesises the overlay fix as a unified diff. Used to test the app in isolation.
 */
import { createTwoFilesPatch, structuredPatch } from "diff";
import type { ReviewChangeInput } from "../../src/github/check-pull-request.js";
import type { ComponentVerdict, Finding, ReviewResult } from "../../src/review/types.js";

export interface RecordingReview {
  (input: ReviewChangeInput): Promise<ReviewResult>;
  inputs: ReviewChangeInput[];
}

function gitDiff(path: string, before: string | undefined, after: string | undefined): string {
  const patch = createTwoFilesPatch(
    before === undefined ? "/dev/null" : `a/${path}`,
    after === undefined ? "/dev/null" : `b/${path}`,
    before ?? "",
    after ?? "",
    "",
    "",
  );
  // drop the "=====" banner line createTwoFilesPatch emits
  return patch.replace(/^=+\n/m, "").replace(/\t\n/g, "\n");
}

export function fakeReview(): RecordingReview {
  const inputs: ReviewChangeInput[] = [];
  const review = async (input: ReviewChangeInput): Promise<ReviewResult> => {
    inputs.push(input);
    const renderedDir = input.config?.renderedSpecsDir ?? "specs";
    const findings: Finding[] = [];
    const components = new Map<string, ComponentVerdict>();
    const fixParts: string[] = [];
    for (const path of input.changedPaths ?? []) {
      const match = new RegExp(`^${renderedDir}/[^/]/([^/]+)/(.+)$`).exec(path);
      if (!match) continue;
      const component = match[1] as string;
      const file = match[2] as string;
      const [before, after] = await Promise.all([input.base.readText(path), input.head.readText(path)]);
      components.set(component, { name: component, status: "clean", method: "incremental" });
      if (file.endsWith(".patch") && before === undefined && after !== undefined) {
        components.set(component, { name: component, status: "drift", method: "incremental" });
        findings.push({
          rule: "vendored-patch-in-rendered-tree",
          level: "failure",
          path,
          component,
          message: `${file} was added to the rendered tree; vendored patches belong in base/comps/${component}/ with a patch-add overlay.`,
          fix: { summary: `move ${file} to base/comps/${component}/`, verified: true },
        });
        const compPath = `base/comps/${component}/${component}.comp.toml`;
        const comp = (await input.head.readText(compPath)) ?? `[components.${component}]\n`;
        fixParts.push(gitDiff(path, after, undefined), gitDiff(`base/comps/${component}/${file}`, undefined, after));
        fixParts.push(
          gitDiff(
            compPath,
            comp,
            `${comp}\n[[components.${component}.overlays]]\ndescription = "Do not fail on a missing watchdog device (Hyper-V)"\ntype = "patch-add"\nfile = "${file}"\n`,
          ),
        );
      }
      if (file.endsWith(".spec") && before !== undefined && after !== undefined && before !== after) {
        const diff = structuredPatch(path, path, before, after, "", "", { context: 0 });
        let edited = false;
        for (const hunk of diff.hunks) {
          let line = hunk.newStart;
          for (const l of hunk.lines) {
            if (l.startsWith("+")) {
              edited = true;
              const isPatchTag = /^Patch\d*:/.test(l.slice(1));
              findings.push({
                rule: "rendered-file-edited",
                level: "failure",
                path,
                line,
                component,
                message: isPatchTag
                  ? `hand-written ${l.slice(1).split(/\s+/)[0]} line in a rendered spec; it is lost on the next render (use a patch-add overlay).`
                  : "rendered specs must not be edited by hand.",
                suggestion: { startLine: line, endLine: line, replacement: [] },
              });
              line++;
            } else if (!l.startsWith("-")) line++;
          }
        }
        if (edited) {
          components.set(component, { name: component, status: "drift", method: "incremental" });
          fixParts.push(gitDiff(path, after, before));
        }
      }
    }
    const failed = findings.some((f) => f.level === "failure");
    return {
      verdict: failed ? "failure" : "success",
      components: [...components.values()],
      findings,
      ...(fixParts.length ? { fix: { patch: fixParts.join(""), verified: true } } : {}),
    };
  };
  return Object.assign(review, { inputs });
}
