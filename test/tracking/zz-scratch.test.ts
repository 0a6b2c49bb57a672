import { it } from "vitest";
import { writeFileSync } from "node:fs";
import { openRepo } from "../../src/repo/index.js";
import { loadProject } from "../../src/azldev/index.js";
import { inventory } from "../../src/tracking/index.js";
it("scratch", async () => {
  const repo = await openRepo("/work/shared/corpus/azl4-sample");
  const project = await loadProject(repo);
  const inv = await inventory(project, repo);
  const brief = inv.patches.map((p) => ({ c: p.component, f: p.file, o: p.origin, w: p.wiring, a: p.applied, how: p.application?.method, act: p.active, cond: p.condition, url: p.url, rc: p.removalCriteria.map((r) => [r.text, JSON.stringify(r.conditions), r.location]), refs: p.references.map((r) => r.kind + " " + r.url), probs: p.problems, drop: p.drop.summary, add: p.drop.addOverlay?.toml, lines: p.drop.specLines, ov: p.drop.overlays.map(o=>o.type+":"+o.action) }));
  writeFileSync("/tmp/trk/inv.json", JSON.stringify({ macros: inv.macros, comps: inv.components, patches: brief }, null, 1));
}, 60000);
