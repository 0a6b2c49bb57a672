/**
 * Verifies components one by one against what their comps produce: a native re-render compared with
 * the committed rendered files — what `render --check` does, as a function the fan-out jobs call for
 * the components a distro-wide change reaches. A component whose upstream cannot be read is
 * unverified (with the reason), never clean and never failed.
 */
import type { Project } from "../azldev/index.js";
import { compareRender, renderComponents, summarizeComparison } from "../render/index.js";
import type { RepoView } from "../repo/types.js";
import type { UpstreamSource } from "../upstream/types.js";
import type { ComponentVerdict, Finding } from "./types.js";

export interface VerifyComponentsInput {
  project: Project;
  repo: RepoView;
  names: string[];
  upstream?: UpstreamSource;
  concurrency?: number;
  signal?: AbortSignal;
}

export interface VerifiedComponents {
  components: ComponentVerdict[];
  findings: Finding[];
}

export async function verifyComponents(input: VerifyComponentsInput): Promise<VerifiedComponents> {
  const renders = await renderComponents({
    project: input.project,
    repo: input.repo,
    names: input.names,
    ...(input.upstream ? { upstream: input.upstream } : {}),
    ...(input.concurrency ? { concurrency: input.concurrency } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
  });
  const components: ComponentVerdict[] = [];
  const findings: Finding[] = [];
  for (const render of renders) {
    const comparison = await compareRender(render, input.repo);
    const failedAsCommitted = render.status !== "ok" && comparison.files.length === 1 && comparison.files[0]?.status === "identical";
    const unreachable = render.status === "cancelled" || (render.status !== "ok" && render.failure?.stage === "upstream" && !failedAsCommitted);
    const decided = comparison.files.filter((f) => f.status !== "unreadable");
    const clean = decided.every((f) => f.status === "identical" || (f.status === "differs" && f.hunks.every((h) => h.kind === "bookkeeping")));
    const drift = render.status === "ok" ? !clean : !failedAsCommitted && !unreachable;
    if (unreachable) {
      components.push({ name: render.component, status: "unverified", method: "full", reason: render.error ?? "the upstream could not be read" });
    } else if (drift) {
      const why = render.status === "ok" ? summarizeComparison(comparison) : (render.error ?? "render failed");
      components.push({ name: render.component, status: "drift", method: "full", reason: why.split("\n")[0] ?? why });
      findings.push({
        rule: "render-stale",
        level: "failure",
        path: render.outputDir,
        component: render.component,
        message: `${render.component} is not what its comps produce after this change: ${why.split("\n").slice(0, 3).join("; ")}. Re-render it (\`azldev component render ${render.component}\`).`,
      });
    } else if (comparison.files.some((f) => f.status === "unreadable")) {
      components.push({ name: render.component, status: "unverified", method: "full", reason: "some rendered files could not be read" });
    } else {
      components.push({ name: render.component, status: "clean", method: "full" });
    }
  }
  return { components, findings };
}
