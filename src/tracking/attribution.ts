/**
 * Which upstream project a patch belongs to. The package's source decides: an explicit `upstream` URL
 * in the overlay's metadata, else the project the `Source0` URL downloads from (macros expanded), else
 * the spec's `URL`. Only when none of them names a GitHub or GitLab project do the patch's own pull
 * request or commit URL, then the pull request and commit links in its comments, stand in.
 *
 * A link counts as upstream evidence only when it points at that project (or is the patch's own URL:
 * the patch is that change). Anything else — a distro tracker issue, a downstream bug, another
 * project's pull request mentioned in a comment — is shown as a reference and decides nothing. Issue
 * links never name the project.
 */
import type { UpstreamProject } from "./forge.js";
import { projectKey } from "./releases.js";
import type { ComponentPatches, InventoryPatch } from "./types.js";
import type { UrlReference } from "./urls.js";

export type AttributionSource = "metadata" | "source0" | "url" | "patch-url" | "reference";

export interface Attribution {
  project: UpstreamProject;
  from: AttributionSource;
}

export function projectOf(ref: UrlReference): UpstreamProject | undefined {
  switch (ref.kind) {
    case "github-pull":
    case "github-commit":
    case "github-issue":
      return { forge: "github", host: "github.com", path: `${ref.owner}/${ref.repo}` };
    case "gitlab-merge-request":
    case "gitlab-commit":
    case "gitlab-issue":
      return { forge: "gitlab", host: ref.host, path: ref.project };
    default:
      return undefined;
  }
}

const GITLAB_HOST = /^(gitlab\.[^/\s]+|salsa\.debian\.org|invent\.kde\.org|code\.videolan\.org|framagit\.org)$/i;

/**
 * The GitHub or GitLab project a URL belongs to: a Source0 archive or release download
 * (`github.com/o/r/archive/…`, `codeload.github.com/o/r/…`, `gitlab.x/g/p/-/archive/…`) or a project
 * page (`URL: https://github.com/o/r`). Undefined for anything else, or a URL with unexpanded macros.
 */
export function projectFromSource(url: string | undefined): UpstreamProject | undefined {
  if (!url || url.includes("%")) return undefined;
  const gh = /^https?:\/\/(?:www\.)?(?:github\.com|codeload\.github\.com)\/([A-Za-z0-9][A-Za-z0-9-]*)\/([A-Za-z0-9_.-]+?)(?:\.git)?(?:[/#?]|$)/.exec(url.trim());
  if (gh) return { forge: "github", host: "github.com", path: `${gh[1]}/${gh[2]}` };
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (!GITLAB_HOST.test(parsed.hostname)) return undefined;
  const path = (parsed.pathname.split("/-/")[0] as string).replace(/^\/+|\/+$/g, "").replace(/\.git$/, "");
  const segments = path.split("/");
  // a project page has a group and a name; anything shorter is a user or group page
  if (segments.length >= 2 && segments[0] !== "api" && !segments.some((s) => s === "" || s === "." || s === "..")) return { forge: "gitlab", host: parsed.hostname.toLowerCase(), path };
  return undefined;
}

const isIssue = (r: UrlReference): boolean => r.kind === "github-issue" || r.kind === "gitlab-issue";

export function attributeUpstream(patch: Pick<InventoryPatch, "reference" | "references" | "metadata">, component: Pick<ComponentPatches, "source0" | "url"> | undefined): Attribution | undefined {
  const declared = patch.metadata?.["upstream"];
  const fromMetadata = typeof declared === "string" ? projectFromSource(declared) : undefined;
  if (fromMetadata) return { project: fromMetadata, from: "metadata" };
  const fromSource = projectFromSource(component?.source0);
  if (fromSource) return { project: fromSource, from: "source0" };
  const fromUrl = projectFromSource(component?.url);
  if (fromUrl) return { project: fromUrl, from: "url" };
  const own = patch.reference && !isIssue(patch.reference) ? projectOf(patch.reference) : undefined;
  if (own) return { project: own, from: "patch-url" };
  const linked = patch.references.map((r) => (isIssue(r) ? undefined : projectOf(r))).find(Boolean);
  if (linked) return { project: linked, from: "reference" };
  return undefined;
}

export const sameProject = (a: UpstreamProject | undefined, b: UpstreamProject | undefined): boolean => a !== undefined && b !== undefined && projectKey(a) === projectKey(b);

export const ATTRIBUTION_WORDS: Record<AttributionSource, string> = {
  metadata: "the overlay's upstream metadata",
  source0: "Source0",
  url: "the spec's URL",
  "patch-url": "the patch's own URL",
  reference: "a link in the patch's comments",
};
