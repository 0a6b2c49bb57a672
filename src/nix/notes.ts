/**
 * Markdown notes that explain a workaround: incident write-ups and READMEs that name a Nix file of
 * the repo and carry a "Removal Criteria" (or "Remove when", "Exit criteria") section. Their bullet
 * items are the workaround's removal criteria; their links name the upstream it waits on.
 */
import { parseConditions, type RemovalCriterion } from "../tracking/removal-criteria.js";
import { extractUrls } from "../tracking/urls.js";

export interface NixNote {
  path: string;
  title?: string;
  /** repo-relative or partial paths of `.nix` files the note names */
  mentions: string[];
  criteria: RemovalCriterion[];
  /** every URL of the note (references, upstream code links) */
  urls: string[];
}

const CRITERIA_HEADING = /^(#{1,6})\s+(?:removal|exit|drop|removing|when to remove)\b.*|^(#{1,6})\s+remove\s+(?:when|once|after)\b.*/i;

/** Reads one note; undefined when it names no Nix file. */
export function readNote(path: string, text: string): NixNote | undefined {
  const mentions = [...new Set([...text.matchAll(/(?:^|[\s`'"(\[])((?:[\w.-]+\/)*[\w.-]+\.nix)\b/g)].map((m) => (m[1] as string).replace(/^\.\//, "")))];
  if (mentions.length === 0) return undefined;
  const rows = text.split(/\r?\n/);
  const title = rows.map((r) => /^#\s+(.+)$/.exec(r)?.[1]).find(Boolean);
  const criteria: RemovalCriterion[] = [];
  for (let i = 0; i < rows.length; i++) {
    const heading = CRITERIA_HEADING.exec(rows[i] as string);
    if (!heading) continue;
    const level = (heading[1] ?? heading[2] ?? "#").length;
    const intro: string[] = [];
    let j = i + 1;
    for (; j < rows.length; j++) {
      const row = rows[j] as string;
      const h = /^(#{1,6})\s/.exec(row);
      if (h && (h[1] as string).length <= level) break;
      const bullet = /^\s*(?:[-*+]|\d+[.)])\s+(.*)$/.exec(row);
      if (bullet) {
        // a bullet continues on indented lines
        let item = bullet[1] as string;
        while (j + 1 < rows.length && /^\s{2,}\S/.test(rows[j + 1] as string) && !/^\s*(?:[-*+]|\d+[.)])\s/.test(rows[j + 1] as string)) item += ` ${(rows[++j] as string).trim()}`;
        // the section's intro ("removable once either:") gives the bullets their "once"
        const conditions = parseConditions(`once ${item}`);
        criteria.push({ text: item.trim(), conditions, urls: extractUrls(item), location: `${path}:${j + 1}` });
      } else if (row.trim()) intro.push(row.trim());
    }
    if (!criteria.length && intro.length) {
      const sentence = intro.join(" ");
      criteria.push({ text: sentence, conditions: parseConditions(sentence), urls: extractUrls(sentence), location: `${path}:${i + 2}` });
    }
    i = j - 1;
  }
  const note: NixNote = { path, mentions, criteria, urls: extractUrls(text) };
  if (title) note.title = title;
  return note;
}

/** Does a note's mention name this repo file (the note may give a path relative to some other root)? */
export function noteNames(note: NixNote, file: string): boolean {
  return note.mentions.some((m) => file === m || file.endsWith(`/${m}`) || (m.includes("/") && m.endsWith(`/${file}`)));
}
