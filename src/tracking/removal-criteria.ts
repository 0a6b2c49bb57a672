/**
 * Free-text removal criteria ("Drop when dracut-060 is available", "can be removed once systemd
 * fixes the mode check", "Fixed in kernel-core-6.17.0-0.rc3.31.fc44") as structured conditions where
 * the wording allows, and as text with its URLs otherwise.
 */
import { classifyUrl, extractUrls, isChangeReference } from "./urls.js";

export type RemovalCondition =
  /** another (or this) package reaching a version: "drop when dracut-060 is available", "kernel >= 6.17" */
  | { kind: "package-version"; package: string; operator: ">=" | ">" | "="; version: string; release?: string }
  /** a package being updated or fixed, no version named: "after SELinux policy is updated" */
  | { kind: "package-fixed"; package: string }
  /** the upstream of this component reaching a version: "fixed upstream in 2.5", "drop on rebase to 2.5" */
  | { kind: "upstream-version"; version: string }
  /** the next rebase, whatever the version */
  | { kind: "next-rebase" }
  /** an upstream change being merged: "drop once https://github.com/o/r/pull/1 is merged" */
  | { kind: "upstream-change"; url: string };

export interface RemovalCriterion {
  /** the sentence, as written */
  text: string;
  conditions: RemovalCondition[];
  urls: string[];
  /** where it was found, e.g. "base/comps/systemd/systemd.comp.toml:12" or "specs/s/systemd/systemd.spec:142" */
  location?: string;
}

/** a removal verb followed, within a few words, by the condition it waits for */
const TRIGGERS = [
  /\b(?:drop|remov|delet|revert|get rid of)\w*\s+(?:[^\s.;]+\s+){0,4}?(?:when|once|after|as soon as|if|in favou?r of|on (?:the )?next|with (?:version |v?\d))/i,
  /\bfixed (?:upstream )?in\b/i,
  /\bupstream(?:ed)? in\s+v?\d/i,
  /\b(?:no longer|not) (?:be )?(?:needed|required)\b/i,
  /\bobsolete(?:d)? (?:once|when|after|with|by)\b/i,
];
const TRIGGER = { test: (text: string): boolean => TRIGGERS.some((t) => t.test(text)) };
const WHEN = /\b(?:when|once|after|if|until|with|in|as soon as|on)\b/i;
const ARCH_SUFFIX = /\.(x86_64|aarch64|noarch|i686|ppc64le|s390x|src|riscv64)$/;

function normalisePackage(name: string): string {
  return name
    .trim()
    .replace(/\s+/g, "-")
    .replace(/^the-/i, "")
    .toLowerCase();
}

/** Splits comment text into sentences: line ends after punctuation and lone URLs are boundaries. */
function sentences(text: string): string[] {
  const out: string[] = [];
  let current = "";
  const flush = () => {
    if (current.trim()) out.push(current.trim());
    current = "";
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) {
      flush();
      continue;
    }
    const isUrl = /^https?:\/\/\S+$/.test(line);
    if (isUrl) {
      flush();
      current = line;
      flush();
      continue;
    }
    // a comment line that ends without punctuation, followed by a capitalised line, ends a sentence
    if (current && /^[A-Z]/.test(line) && !/[,;(&-]$|\b(and|or|the|a|an|to|of|in|for|with|when|once|after)$/i.test(current)) flush();
    current = current ? `${current} ${line}` : line;
    if (/[.!?:]$/.test(line)) flush();
  }
  flush();
  return out.flatMap((s) => s.split(/(?<=[.!?;])\s+(?=[A-Z])/)).map((s) => s.trim()).filter(Boolean);
}

const SELF_WORDS = new Set(["this", "it", "the", "that", "upstream", "we", "they", "patch", "a", "an", "version", "release"]);

/** Structured conditions in one sentence (possibly none). */
export function parseConditions(sentence: string, options: { component?: string } = {}): RemovalCondition[] {
  const conditions: RemovalCondition[] = [];
  const text = sentence.replace(/https?:\/\/\S+/g, (u) => u.replace(/[.,;]+$/, ""));
  const seen = new Set<string>();
  const add = (c: RemovalCondition) => {
    const key = JSON.stringify(c);
    if (!seen.has(key)) {
      seen.add(key);
      conditions.push(c);
    }
  };

  for (const url of extractUrls(text)) {
    const ref = classifyUrl(url);
    if (ref && isChangeReference(ref) && /\b(merged|lands?|landed|accepted|upstreamed|released|in a release)\b/i.test(text)) {
      add({ kind: "upstream-change", url });
    }
  }
  const withoutUrls = text.replace(/https?:\/\/\S+/g, " ");

  // "X >= 1.2", "X version 1.2 or later"
  for (const m of withoutUrls.matchAll(/\b([A-Za-z][\w+.-]*?(?:[ -]policy)?)\s*(>=|=>|>|==|=)\s*v?(\d[\w.~^+]*)/g)) {
    const pkg = normalisePackage(m[1] as string);
    if (SELF_WORDS.has(pkg)) continue;
    const op = m[2] === "=>" ? ">=" : m[2] === "==" ? "=" : (m[2] as ">=" | ">" | "=");
    add({ kind: "package-version", package: pkg, operator: op, version: (m[3] as string).replace(/\.$/, "") });
  }
  // NVR-style: "dracut-060", "kernel-core-6.17.0-0.rc3.31.fc44.x86_64"
  for (const m of withoutUrls.matchAll(/\b([A-Za-z][A-Za-z0-9_+]*(?:-[A-Za-z][A-Za-z0-9_+]*)*)-(\d[\w.~^+]*?)(?:-(\d[\w.~^+]*))?(?=[\s,;)]|\.(?:\s|$)|$)/g)) {
    const pkg = (m[1] as string).toLowerCase();
    if (SELF_WORDS.has(pkg) || /^(cve|rhbz|bz|bsc|boo|gh|rc|pr|mr)$/i.test(pkg)) continue;
    const version = (m[2] as string).replace(/\.$/, "").replace(ARCH_SUFFIX, "");
    const release = m[3] ? (m[3] as string).replace(/\.$/, "").replace(ARCH_SUFFIX, "") : undefined;
    add({ kind: "package-version", package: pkg, operator: ">=", version, ...(release ? { release } : {}) });
  }
  // "when we have systemd 258", "once selinux-policy 42.1 is released", "kernel 6.17 or later"
  for (const m of withoutUrls.matchAll(/\b(?:when|once|after|until|with|in|to)\s+(?:we\s+(?:have|ship|are on|move to|switch to)\s+|using\s+|upgrading\s+to\s+|updating\s+to\s+|rebasing\s+to\s+)?([A-Za-z][\w+-]*(?:\s+policy)?)\s+(?:version\s+)?v?(\d[\w.~^+]*)/gi)) {
    const word = (m[1] as string).toLowerCase();
    const version = (m[2] as string).replace(/\.$/, "");
    if (["version", "release", "upstream", "v"].includes(word)) {
      add({ kind: "upstream-version", version });
      continue;
    }
    if (SELF_WORDS.has(word) || /^(rc|bz|pr|mr)$/.test(word)) continue;
    const pkg = normalisePackage(m[1] as string);
    if (options.component && pkg === options.component.toLowerCase()) add({ kind: "upstream-version", version });
    else if (!conditions.some((c) => c.kind === "package-version" && c.package === pkg)) add({ kind: "package-version", package: pkg, operator: ">=", version });
  }
  // "fixed upstream in 2.5", "upstream in v2.5", "rebase to 2.5", "update to 2.5"
  for (const m of withoutUrls.matchAll(/\b(?:fixed\s+upstream\s+in|upstream(?:ed)?\s+in|(?:rebas(?:e|ing)|updat(?:e|ing)|upgrad(?:e|ing)|bump(?:ing)?)\s+to|released\s+in|available\s+in|part\s+of)\s+(?:version\s+|release\s+)?v?(\d[\w.~^+]*)/gi)) {
    add({ kind: "upstream-version", version: (m[1] as string).replace(/\.$/, "") });
  }
  if (/\bnext\s+(?:rebase|upstream\s+release|release|version\s+bump)\b/i.test(withoutUrls)) add({ kind: "next-rebase" });
  // "after SELinux policy is updated", "once systemd fixes the mode check"
  if (!conditions.some((c) => c.kind === "package-version" || c.kind === "upstream-version")) {
    const m =
      /\b(?:when|once|after|until)\s+(?:the\s+)?([A-Za-z][\w+-]*(?:\s+(?:policy|kernel|core|libs?))?)\s+(?:is|are|gets|get|has been|have been|was)\s+(?:updated|fixed|released|available|upgraded|rebased|patched)\b/i.exec(withoutUrls) ??
      /\b(?:when|once|after|until)\s+(?:the\s+)?([A-Za-z][\w+-]*(?:\s+policy)?)\s+(?:fixes|handles|supports|ships|adds|drops)\b/i.exec(withoutUrls);
    if (m) {
      const pkg = normalisePackage(m[1] as string);
      if (!SELF_WORDS.has(pkg)) add({ kind: "package-fixed", package: pkg });
    }
  }
  return conditions;
}

/**
 * Every removal criterion in a comment or description. With `file` and `line` (where the text
 * starts), each criterion's location names the line its sentence starts on.
 */
export function findRemovalCriteria(text: string, options: { component?: string; location?: string; file?: string; line?: number } = {}): RemovalCriterion[] {
  const out: RemovalCriterion[] = [];
  const lines = text.split(/\r?\n/);
  for (const sentence of sentences(text)) {
    if (!TRIGGER.test(sentence)) continue;
    const conditions = parseConditions(sentence, options);
    // "drop"/"remove" alone in a sentence about something else is not a criterion; require a condition,
    // a "when/once…" clause, or a pointer.
    if (conditions.length === 0 && !WHEN.test(sentence)) continue;
    const criterion: RemovalCriterion = { text: sentence, conditions, urls: extractUrls(sentence) };
    if (options.file && options.line !== undefined) {
      const head = sentence.slice(0, 24);
      const offset = Math.max(0, lines.findIndex((l) => l.includes(head) || head.startsWith(l.trim().slice(0, 24)) && l.trim() !== ""));
      criterion.location = `${options.file}:${options.line + offset}`;
    } else if (options.location) criterion.location = options.location;
    out.push(criterion);
  }
  return out;
}
