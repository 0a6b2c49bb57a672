/**
 * What a URL in a Patch tag, an overlay's metadata or a comment points at: a GitHub pull request or
 * commit, a GitLab merge request or commit, a Fedora dist-git commit, a bug tracker entry, or some
 * other host. Only the shape of the URL is used; nothing is fetched.
 */

export type UrlReference =
  | { kind: "github-pull"; url: string; host: string; owner: string; repo: string; number: number }
  | { kind: "github-commit"; url: string; host: string; owner: string; repo: string; sha: string; pull?: number }
  | { kind: "github-issue"; url: string; host: string; owner: string; repo: string; number: number }
  | { kind: "gitlab-merge-request"; url: string; host: string; project: string; number: number }
  | { kind: "gitlab-commit"; url: string; host: string; project: string; sha: string }
  | { kind: "gitlab-issue"; url: string; host: string; project: string; number: number }
  | { kind: "distgit-commit"; url: string; host: string; project: string; sha: string }
  | { kind: "bug"; url: string; host: string; id: string }
  | { kind: "other"; url: string; host: string };

const GITLAB_HOSTS = ["gitlab.com", "gitlab.gnome.org", "gitlab.freedesktop.org", "salsa.debian.org", "gitlab.kitware.com", "invent.kde.org", "gitlab.xfce.org", "code.videolan.org", "gitlab.archlinux.org", "framagit.org"];
const PAGURE_HOSTS = ["src.fedoraproject.org", "pagure.io", "gitlab.com/redhat/centos-stream/rpms"];
const SHA = /^[0-9a-f]{7,40}$/i;
/** a `%` that does not start a two-digit hex escape: decodeURIComponent would reject the path */
const MALFORMED_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** Finds http(s) URLs in free text (comments, descriptions), trailing punctuation removed. */
export function extractUrls(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/https?:\/\/[^\s<>"'`()\[\]{}]+/g)) {
    const url = m[0].replace(/[.,;:!?]+$/, "");
    if (!found.includes(url)) found.push(url);
  }
  return found;
}

const classified = new Map<string, UrlReference | undefined>();

/** Classifies a URL; returns undefined for text that is not an http(s) URL. */
export function classifyUrl(raw: string): UrlReference | undefined {
  if (!/^\s*https?:\/\//i.test(raw)) return undefined;
  if (classified.has(raw)) {
    const hit = classified.get(raw);
    return hit ? { ...hit } : undefined;
  }
  const result = classifyUncached(raw);
  if (classified.size > 10_000) classified.clear();
  classified.set(raw, result);
  return result ? { ...result } : undefined;
}

function classifyUncached(raw: string): UrlReference | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  const href = raw.trim();
  const host = url.hostname.toLowerCase();
  // Fedora's `#/name.patch` fragment only names the downloaded file.
  const path = url.pathname.replace(/\/+$/, "");
  // A path with a stray `%` (an unexpanded macro such as `%{version}` left in a spec comment) is
  // not a URL anyone can open: keep it as a plain reference rather than guessing at its parts.
  if (MALFORMED_ESCAPE.test(path)) return { kind: "other", url: href, host };
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const strip = (s: string): string => s.replace(/\.(patch|diff)$/i, "");

  if (host === "github.com" || host === "www.github.com") {
    const [owner, repo, kind, id, sub, subId] = parts;
    if (owner && repo && kind === "pull" && id && /^\d+(\.(patch|diff))?$/.test(id)) {
      const number = Number.parseInt(strip(id), 10);
      if (sub === "commits" && subId && SHA.test(strip(subId))) {
        return { kind: "github-commit", url: href, host, owner, repo, sha: strip(subId).toLowerCase(), pull: number };
      }
      return { kind: "github-pull", url: href, host, owner, repo, number };
    }
    if (owner && repo && kind === "commit" && id && SHA.test(strip(id))) {
      return { kind: "github-commit", url: href, host, owner, repo, sha: strip(id).toLowerCase() };
    }
    if (owner && repo && kind === "issues" && id && /^\d+$/.test(id)) {
      return { kind: "github-issue", url: href, host, owner, repo, number: Number(id) };
    }
    return { kind: "other", url: href, host };
  }
  if (host === "patch-diff.githubusercontent.com") {
    // /raw/<owner>/<repo>/pull/<n>.patch
    const [raw0, owner, repo, kind, id] = parts;
    if (raw0 === "raw" && owner && repo && kind === "pull" && id && /^\d+/.test(id)) {
      return { kind: "github-pull", url: href, host: "github.com", owner, repo, number: Number.parseInt(strip(id), 10) };
    }
  }
  const dash = parts.indexOf("-");
  if (dash > 0 && (GITLAB_HOSTS.includes(host) || host.startsWith("gitlab."))) {
    const project = parts.slice(0, dash).join("/");
    const kind = parts[dash + 1];
    const id = parts[dash + 2];
    if (kind === "merge_requests" && id && /^\d+/.test(id)) {
      return { kind: "gitlab-merge-request", url: href, host, project, number: Number.parseInt(strip(id), 10) };
    }
    if (kind === "commit" && id && SHA.test(strip(id))) return { kind: "gitlab-commit", url: href, host, project, sha: strip(id).toLowerCase() };
    if ((kind === "issues" || kind === "work_items") && id && /^\d+$/.test(id)) return { kind: "gitlab-issue", url: href, host, project, number: Number(id) };
  }
  if (PAGURE_HOSTS.includes(host)) {
    const c = parts.lastIndexOf("c");
    const sha = parts[c + 1];
    if (c > 0 && sha && SHA.test(strip(sha))) {
      return { kind: "distgit-commit", url: href, host, project: parts.slice(0, c).join("/"), sha: strip(sha).toLowerCase() };
    }
  }
  if (/bugzilla|bugs\./.test(host) || host === "bugs.launchpad.net") {
    const id = url.searchParams.get("id") ?? parts.at(-1);
    if (id && /^\d+$/.test(id)) return { kind: "bug", url: href, host, id };
  }
  return { kind: "other", url: href, host };
}

/** A stable spelling of a reference for identity keys (no `.patch` suffix, no fragment, no query). */
export function canonicalUrl(ref: UrlReference): string {
  switch (ref.kind) {
    case "github-pull":
      return `https://github.com/${ref.owner}/${ref.repo}/pull/${ref.number}`;
    case "github-commit":
      return `https://github.com/${ref.owner}/${ref.repo}/commit/${ref.sha}`;
    case "github-issue":
      return `https://github.com/${ref.owner}/${ref.repo}/issues/${ref.number}`;
    case "gitlab-merge-request":
      return `https://${ref.host}/${ref.project}/-/merge_requests/${ref.number}`;
    case "gitlab-commit":
      return `https://${ref.host}/${ref.project}/-/commit/${ref.sha}`;
    case "gitlab-issue":
      return `https://${ref.host}/${ref.project}/-/issues/${ref.number}`;
    default:
      return ref.url.replace(/#.*$/, "");
  }
}

/** True for references that name upstream code changes (PRs, MRs, commits) rather than discussions. */
export function isChangeReference(ref: UrlReference): boolean {
  return ref.kind === "github-pull" || ref.kind === "github-commit" || ref.kind === "gitlab-merge-request" || ref.kind === "gitlab-commit" || ref.kind === "distgit-commit";
}
