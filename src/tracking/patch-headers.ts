/**
 * What a patch file says about itself: git format-patch / mbox messages (commit, author, subject,
 * series numbering, trailers such as `(cherry picked from commit …)`), DEP-3 headers and
 * OpenEmbedded `Upstream-Status:`. Hints only: they never override API or content evidence.
 */

export interface PatchMessage {
  /** the commit named by the `From <sha> Mon Sep 17 00:00:00 2001` separator */
  commit?: string;
  author?: string;
  date?: string;
  /** subject without `[PATCH n/m]`, RFC 2047 decoded, unfolded */
  subject?: string;
  series?: { index: number; total: number };
  messageId?: string;
  /** commit message body (after the headers, before the `---` diffstat separator) */
  body: string;
  /** upstream commits this one was cherry-picked or backported from */
  cherryPickedFrom: string[];
  /** `Link:` trailers and other URLs in the message */
  links: string[];
}

export interface Dep3Header {
  description?: string;
  origin?: { category?: "upstream" | "backport" | "vendor" | "other"; value: string };
  bugs: string[];
  /** `Bug-<Vendor>` fields */
  vendorBugs: Record<string, string>;
  forwarded?: string;
  author?: string;
  lastUpdate?: string;
  appliedUpstream?: string;
  /** problems worth a warning (e.g. `Forwarded: yes` with no URL) */
  warnings: string[];
}

/** The upstream status the headers claim, in azldev's vocabulary where one exists. */
export interface HeaderStatusHint {
  status: "upstreamed" | "forwarded" | "not-forwarded" | "inapplicable" | "backport" | "pending" | "denied";
  /** the header that said so, e.g. "Applied-Upstream: 2.5" */
  source: string;
  /** a URL or commit the header points at */
  reference?: string;
}

export interface PatchFileInfo {
  messages: PatchMessage[];
  dep3?: Dep3Header;
  /** OpenEmbedded `Upstream-Status:` value */
  upstreamStatus?: string;
  hints: HeaderStatusHint[];
  /** the number of `diff` file sections in the patch */
  fileCount: number;
  /** repo paths the patch touches (post-image, prefix stripped) */
  paths: string[];
}

const SEPARATOR = /^From ([0-9a-f]{40}) Mon Sep 17 00:00:00 2001$/;

/** Mailing-list archives whose URLs end in a message id. */
const MESSAGE_ID_HOSTS = new Set(["lore.kernel.org", "patch.msgid.link", "lkml.kernel.org", "marc.info"]);

/**
 * The mailing-list message ids a commit message or patch names: `Message-Id: <…>` lines and
 * `Link:` URLs of lore.kernel.org / patch.msgid.link (`…/r/<id>`, `…/<list>/<id>/`). A patch taken from
 * a list and the commit that landed it share one: an exact match (rung e).
 */
export function messageIdsOf(text: string): string[] {
  const ids = new Set<string>();
  for (const m of text.matchAll(/^[ \t]*Message-I[dD]:[ \t]*<?([^\s<>]+)>?[ \t]*$/gim)) if ((m[1] as string).includes("@")) ids.add((m[1] as string).toLowerCase());
  for (const m of text.matchAll(/https?:\/\/([a-z0-9.-]+)\/[^\s<>"'`)]*/gi)) {
    if (!MESSAGE_ID_HOSTS.has((m[1] as string).toLowerCase())) continue;
    const segments = m[0].replace(/[.,;:]+$/, "").split("/").slice(3).filter(Boolean);
    for (const segment of segments.reverse()) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        continue;
      }
      if (/^[^\s@]+@[^\s@]+$/.test(decoded)) {
        ids.add(decoded.replace(/^<|>$/g, "").toLowerCase());
        break;
      }
    }
  }
  return [...ids];
}

/** RFC 2047 encoded words (`=?UTF-8?q?…?=`, `=?utf-8?b?…?=`) as text. */
export function decodeEncodedWords(text: string): string {
  return text
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_m, charset: string, encoding: string, data: string) => {
      const bytes =
        encoding.toLowerCase() === "b"
          ? Buffer.from(data, "base64")
          : Buffer.from(data.replace(/_/g, " ").replace(/=([0-9a-fA-F]{2})/g, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16))), "latin1");
      const label = charset.toLowerCase().replace(/\*.*$/, "");
      try {
        return new TextDecoder(label === "utf8" ? "utf-8" : label).decode(bytes);
      } catch {
        return bytes.toString("latin1");
      }
    });
}

function readHeaderBlock(lines: string[], start: number): { headers: Map<string, string>; end: number } {
  const headers = new Map<string, string>();
  let k = start;
  let last: string | undefined;
  for (; k < lines.length; k++) {
    const line = lines[k] as string;
    if (line === "") {
      k++;
      break;
    }
    if (/^[ \t]/.test(line) && last) {
      headers.set(last, `${headers.get(last)} ${line.trim()}`);
      continue;
    }
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s?(.*)$/.exec(line);
    if (!m) break;
    last = (m[1] as string).toLowerCase();
    if (!headers.has(last)) headers.set(last, m[2] as string);
  }
  return { headers, end: k };
}

/** Splits an mbox / format-patch text into its messages (a plain diff yields no message). */
export function parsePatchMessages(text: string): PatchMessage[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const starts: number[] = [];
  lines.forEach((line, k) => {
    if (SEPARATOR.test(line)) starts.push(k);
  });
  if (starts.length === 0 && /^(From|Subject):/m.test(lines.slice(0, 20).join("\n")) && /^Subject:/m.test(lines.slice(0, 30).join("\n"))) {
    starts.push(-1);
  }
  const messages: PatchMessage[] = [];
  starts.forEach((start, n) => {
    const end = starts[n + 1] ?? lines.length;
    const commit = start >= 0 ? SEPARATOR.exec(lines[start] as string)?.[1] : undefined;
    const { headers, end: bodyStart } = readHeaderBlock(lines, start + 1);
    const bodyLines: string[] = [];
    for (let k = bodyStart; k < end; k++) {
      const line = lines[k] as string;
      if (line === "---" || line.startsWith("diff --git ") || line.startsWith("Index: ")) break;
      bodyLines.push(line);
    }
    const body = bodyLines.join("\n").trim();
    let subject = headers.has("subject") ? decodeEncodedWords(headers.get("subject") as string).trim() : undefined;
    let series: PatchMessage["series"];
    if (subject) {
      const tag = /^\[([^\]]*)\]\s*/.exec(subject);
      const inner = tag?.[1] ?? "";
      if (tag && (/\bPATCH\b/i.test(inner) || /^\d+\/\d+$/.test(inner.trim()))) {
        const numbers = /(\d+)\/(\d+)/.exec(inner);
        if (numbers) series = { index: Number(numbers[1]), total: Number(numbers[2]) };
        subject = subject.slice(tag[0].length);
      }
    }
    const message: PatchMessage = { body, cherryPickedFrom: cherryPicks(body), links: linksOf(body) };
    if (commit) message.commit = commit;
    if (headers.has("from")) message.author = decodeEncodedWords(headers.get("from") as string).trim();
    if (headers.has("date")) message.date = headers.get("date") as string;
    if (subject !== undefined) message.subject = subject;
    if (series) message.series = series;
    const messageId = headers.get("message-id");
    if (messageId) message.messageId = messageId.trim().replace(/^<|>$/g, "");
    messages.push(message);
  });
  return messages;
}

function cherryPicks(body: string): string[] {
  const shas = new Set<string>();
  for (const m of body.matchAll(/\(cherry[- ]picked from commit ([0-9a-f]{7,40})\)/gi)) shas.add((m[1] as string).toLowerCase());
  // Linux stable: "commit <sha> upstream." / "[ Upstream commit <sha> ]"
  for (const m of body.matchAll(/^\s*(?:commit ([0-9a-f]{40}) upstream\.?|\[\s*Upstream commit ([0-9a-f]{40})\s*\])\s*$/gim)) {
    shas.add(((m[1] ?? m[2]) as string).toLowerCase());
  }
  return [...shas];
}

function linksOf(body: string): string[] {
  const links: string[] = [];
  for (const m of body.matchAll(/https?:\/\/[^\s<>"')\]]+/g)) {
    const url = m[0].replace(/[.,;:]+$/, "");
    if (!links.includes(url)) links.push(url);
  }
  return links;
}

const DEP3_KEYS = new Set(["description", "subject", "origin", "bug", "forwarded", "author", "from", "reviewed-by", "acked-by", "last-update", "applied-upstream"]);

/** The text before the first diff of a patch. */
function preamble(text: string): string[] {
  const out: string[] = [];
  for (const line of text.replace(/\r\n/g, "\n").split("\n")) {
    if (line.startsWith("diff ") || line.startsWith("--- ") || line.startsWith("Index: ") || line === "---") break;
    out.push(line);
  }
  return out;
}

/** DEP-3 fields found in the patch preamble (top-of-file headers or trailers in a commit message). */
export function parseDep3(text: string): Dep3Header | undefined {
  const fields = new Map<string, string>();
  const vendorBugs: Record<string, string> = {};
  const bugs: string[] = [];
  let last: string | undefined;
  for (const line of preamble(text)) {
    if (/^[ \t]+\S/.test(line) && last === "description") {
      fields.set(last, `${fields.get(last)}\n${line.trim()}`);
      continue;
    }
    last = undefined;
    const m = /^([A-Za-z][A-Za-z-]*):\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = (m[1] as string).toLowerCase();
    const value = (m[2] as string).trim();
    if (key.startsWith("bug-")) {
      vendorBugs[(m[1] as string).slice(4)] = value;
      continue;
    }
    if (!DEP3_KEYS.has(key)) continue;
    if (key === "bug") {
      bugs.push(value);
      continue;
    }
    last = key;
    if (!fields.has(key)) fields.set(key, value);
  }
  const has = (k: string) => fields.has(k);
  // Require a field that only DEP-3 uses, so a plain format-patch header is not taken for DEP-3.
  if (!has("origin") && !has("forwarded") && !has("applied-upstream") && !has("description") && !has("last-update") && bugs.length === 0 && Object.keys(vendorBugs).length === 0) {
    return undefined;
  }
  const header: Dep3Header = { bugs, vendorBugs, warnings: [] };
  const description = fields.get("description") ?? fields.get("subject");
  if (description) header.description = description;
  const origin = fields.get("origin");
  if (origin) {
    const m = /^(upstream|backport|vendor|other)\s*,\s*(.*)$/i.exec(origin);
    header.origin = m ? { category: (m[1] as string).toLowerCase() as "upstream", value: (m[2] as string).trim() } : { value: origin };
  }
  const forwarded = fields.get("forwarded");
  if (forwarded !== undefined) {
    header.forwarded = forwarded;
    if (/^yes$/i.test(forwarded)) header.warnings.push("Forwarded: yes names no URL; prefer the upstream PR or bug URL");
  }
  const author = fields.get("author") ?? fields.get("from");
  if (author) header.author = author;
  const lastUpdate = fields.get("last-update");
  if (lastUpdate) {
    header.lastUpdate = lastUpdate;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(lastUpdate)) header.warnings.push(`Last-Update ${JSON.stringify(lastUpdate)} is not YYYY-MM-DD`);
  }
  const applied = fields.get("applied-upstream");
  if (applied) header.appliedUpstream = applied;
  if (!description) header.warnings.push("DEP-3 header has no Description or Subject");
  return header;
}

function diffPaths(text: string): { count: number; paths: string[] } {
  const paths: string[] = [];
  let count = 0;
  let sawGitHeader = false;
  for (const line of text.replace(/\r\n/g, "\n").split("\n")) {
    if (line.startsWith("diff ")) {
      count++;
      sawGitHeader = true;
      const m = /^diff --git a\/(\S+) b\/(\S+)$/.exec(line);
      if (m && !paths.includes(m[2] as string)) paths.push(m[2] as string);
      continue;
    }
    if (line.startsWith("+++ ")) {
      if (!sawGitHeader) count++;
      sawGitHeader = false;
      const target = (line.slice(4).split("\t")[0] as string).trim();
      if (target === "/dev/null") continue;
      const stripped = target.includes("/") ? target.slice(target.indexOf("/") + 1) : target;
      if (!paths.includes(stripped)) paths.push(stripped);
    }
  }
  return { count, paths };
}

/** Everything the patch text says about itself. */
export function parsePatchFile(text: string): PatchFileInfo {
  const messages = parsePatchMessages(text);
  const dep3 = parseDep3(text);
  const oe = /^Upstream-Status:\s*(.+)$/im.exec(preamble(text).join("\n"));
  const { count, paths } = diffPaths(text);
  const info: PatchFileInfo = { messages, hints: [], fileCount: count, paths };
  if (dep3) info.dep3 = dep3;
  if (oe) info.upstreamStatus = (oe[1] as string).trim();
  info.hints = statusHints(info);
  return info;
}

function statusHints(info: PatchFileInfo): HeaderStatusHint[] {
  const hints: HeaderStatusHint[] = [];
  const dep3 = info.dep3;
  if (dep3?.appliedUpstream) hints.push({ status: "upstreamed", source: `Applied-Upstream: ${dep3.appliedUpstream}`, reference: dep3.appliedUpstream });
  if (dep3?.origin?.category === "upstream" || dep3?.origin?.category === "backport") {
    hints.push({ status: "backport", source: `Origin: ${dep3.origin.category}, ${dep3.origin.value}`, reference: dep3.origin.value });
  }
  if (dep3?.forwarded !== undefined) {
    const value = dep3.forwarded;
    if (/^no$/i.test(value)) hints.push({ status: "not-forwarded", source: "Forwarded: no" });
    else if (/^not-needed$/i.test(value)) hints.push({ status: "inapplicable", source: "Forwarded: not-needed" });
    else hints.push({ status: "forwarded", source: `Forwarded: ${value}`, ...(/^https?:/.test(value) ? { reference: value } : {}) });
  } else if (dep3 && dep3.bugs.length > 0) {
    hints.push({ status: "forwarded", source: `Bug: ${dep3.bugs[0]}`, reference: dep3.bugs[0] as string });
  }
  if (info.upstreamStatus) {
    const [word = "", ...rest] = info.upstreamStatus.split(/\s+/);
    const detail = rest.join(" ").replace(/^\[|\]$/g, "");
    const map: Record<string, HeaderStatusHint["status"]> = {
      pending: "not-forwarded",
      submitted: "forwarded",
      backport: "backport",
      accepted: "upstreamed",
      denied: "denied",
      inappropriate: "inapplicable",
    };
    const status = map[word.toLowerCase()];
    if (status) hints.push({ status, source: `Upstream-Status: ${info.upstreamStatus}`, ...(detail ? { reference: detail } : {}) });
  }
  for (const message of info.messages) {
    for (const sha of message.cherryPickedFrom) hints.push({ status: "backport", source: `cherry picked from commit ${sha}`, reference: sha });
  }
  return hints;
}
