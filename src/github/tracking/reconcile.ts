/**
 * Brings the repository's tracking issues in line with the verdicts: one dashboard issue, one issue
 * per distro-owned patch that needs a decision. Idempotent: bodies are written only when their text
 * changed, a comment is posted only when a verdict changed, an issue is closed once when its patch
 * leaves the tree, and issues a person closed are not reopened.
 */
import type { PatchVerdict } from "../../tracking/index.js";
import type { TrackingConfig } from "./config.js";
import type { IssueStore, TrackedIssue } from "./issues.js";
import { patchIssueState, patchIssueTitle, renderDashboard, renderPatchIssue, transitionComment } from "./render.js";
import { DASHBOARD_MARKER, encodeState, readPatchMarker, readState, type PatchIssueState } from "./state.js";

export interface ReconcileInput {
  verdicts: PatchVerdict[];
  config: TrackingConfig;
  botLogin: string;
  problems?: string[];
  /** opens a drop pull request for a droppable patch; returns its number */
  openDropPull?: (verdict: PatchVerdict) => Promise<number | undefined>;
}

export interface ReconcileSummary {
  created: number[];
  updated: number[];
  commented: number[];
  closed: number[];
  reopened: number[];
  unchanged: number;
  pulls: number[];
  dashboard?: { number: number; action: "created" | "updated" | "unchanged" };
}

export async function reconcileIssues(store: IssueStore, input: ReconcileInput): Promise<ReconcileSummary> {
  const { config, verdicts, botLogin } = input;
  const summary: ReconcileSummary = { created: [], updated: [], commented: [], closed: [], reopened: [], unchanged: 0, pulls: [] };
  await store.ensureLabel(config.labels.patch, "c5def5", "A downstream patch tracked by specwarden");
  await store.ensureLabel(config.labels.dashboard, "0e8a16", "specwarden's downstream patch dashboard");

  const existing = new Map<string, TrackedIssue>();
  for (const issue of await store.list(config.labels.patch, botLogin)) {
    const key = readPatchMarker(issue.body);
    if (key && !existing.has(key)) existing.set(key, issue);
  }
  // follow a renamed or moved patch by its fingerprints so it keeps its issue
  const inTree = new Set(verdicts.map((v) => v.key));
  for (const v of verdicts) {
    if (existing.has(v.key)) continue;
    for (const [key, issue] of existing) {
      if (inTree.has(key)) continue;
      const state = readState<PatchIssueState>(issue.body);
      const sameBlob = state?.blobId && v.blobId && state.blobId === v.blobId;
      const sameId = state?.patchIds?.length && v.patchIds?.length && state.patchIds.some((id) => v.patchIds?.includes(id));
      if (v.component === key.split("|")[0] && (sameBlob || sameId)) {
        existing.delete(key);
        existing.set(v.key, issue);
        break;
      }
    }
  }

  const issueNumbers = new Map<string, number>();
  const wanted = (v: PatchVerdict): boolean => {
    if (config.perPatchIssues === "none" || v.origin !== "distro") return false;
    return config.perPatchIssues === "all" || v.actionable || existing.has(v.key);
  };

  for (const v of [...verdicts].sort((a, b) => a.key.localeCompare(b.key))) {
    if (!wanted(v)) continue;
    const issue = existing.get(v.key);
    const previous = issue ? readState<PatchIssueState>(issue.body) : undefined;
    if (issue && previous && v.incomplete && v.verdict !== previous.verdict) {
      // an upstream outage is not a state change: keep the last good record, no comment
      issueNumbers.set(v.key, issue.number);
      summary.unchanged++;
      continue;
    }
    const state = patchIssueState(v, previous);
    if (config.dropPullRequests && v.droppable && input.openDropPull && !state.dropPull && issue?.state !== "closed") {
      const number = await input.openDropPull(v);
      if (number) {
        state.dropPull = number;
        summary.pulls.push(number);
      }
    }
    const title = patchIssueTitle(v);
    const body = renderPatchIssue(v, state);
    if (!issue) {
      const number = await store.create(title, body, [config.labels.patch]);
      summary.created.push(number);
      issueNumbers.set(v.key, number);
      continue;
    }
    issueNumbers.set(v.key, issue.number);
    if (issue.state === "closed") {
      if (previous?.closedByTracker) {
        // the patch came back after specwarden closed its issue
        await store.update(issue.number, { title, body, state: "open", state_reason: "reopened" });
        await store.comment(issue.number, `specwarden: the patch is back in the tree. ${transitionComment(undefined, v).replace(/^specwarden: /, "")}`);
        summary.reopened.push(issue.number);
        continue;
      }
      // closed by a person: keep the record current, stay quiet
      if (issue.body !== body || issue.title !== title) {
        await store.update(issue.number, { title, body });
        summary.updated.push(issue.number);
      } else summary.unchanged++;
      continue;
    }
    if (issue.body !== body || issue.title !== title) {
      await store.update(issue.number, { title, body });
      summary.updated.push(issue.number);
    } else {
      summary.unchanged++;
    }
    if (previous && previous.verdict !== v.verdict) {
      await store.comment(issue.number, transitionComment(previous, v));
      summary.commented.push(issue.number);
    }
  }

  // patches that left the tree: say so once and close
  for (const [key, issue] of existing) {
    if (inTree.has(key) || issue.state === "closed") continue;
    const previous = readState<PatchIssueState>(issue.body);
    const state: PatchIssueState = { ...(previous ?? { v: 1, key, verdict: "unknown", rung: "none", droppable: false }), closedByTracker: true };
    const body = issue.body.replace(/<!-- specwarden:state [A-Za-z0-9_-]* -->/, "").trimEnd() + `\n\n_This patch is no longer in the repository._\n\n${encodeState(state)}\n`;
    await store.comment(issue.number, "specwarden: this patch is no longer in the repository; closing.");
    await store.update(issue.number, { body, state: "closed", state_reason: "completed" });
    summary.closed.push(issue.number);
  }

  // the dashboard
  const dashboards = (await store.list(config.labels.dashboard, botLogin)).filter((i) => i.body.includes(DASHBOARD_MARKER));
  const { body } = renderDashboard({ verdicts, issues: issueNumbers, problems: input.problems ?? [] });
  const dashboard = dashboards.find((d) => d.state === "open") ?? dashboards[0];
  if (!dashboard) {
    const number = await store.create(config.dashboardTitle, body, [config.labels.dashboard]);
    summary.dashboard = { number, action: "created" };
  } else if (dashboard.body !== body || dashboard.title !== config.dashboardTitle) {
    await store.update(dashboard.number, { title: config.dashboardTitle, body });
    summary.dashboard = { number: dashboard.number, action: "updated" };
  } else {
    summary.dashboard = { number: dashboard.number, action: "unchanged" };
  }
  return summary;
}
