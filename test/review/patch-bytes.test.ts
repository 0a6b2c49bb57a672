/**
 * Fix diffs are byte-exact: whatever the old and new content (UTF-8 text, CRLF or lone CR endings,
 * no final newline, a byte-order mark, bytes that are not UTF-8, NUL bytes), `git apply` of the
 * diff turns exactly the old bytes into exactly the new ones.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyFix } from "../../src/github/apply-fix.js";
import { memoryRepo } from "../../src/repo/index.js";
import { readBinaryPatch } from "../../src/review/git-binary-patch.js";
import { reviewChange } from "../../src/review/index.js";
import { combinedDiff, type FileEdit } from "../../src/review/patch-text.js";
import { baseFiles, demoHeadEdits, withEdits } from "./repo-fixture.js";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "specwarden-patch-bytes-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const enc = (s: string) => new TextEncoder().encode(s);

/** Applies `edits`' diff with git in a fresh repository holding the pre-images; returns the post-images. */
function gitApply(edits: FileEdit[], n: number): Map<string, Uint8Array | undefined> {
  const dir = join(root, String(n));
  mkdirSync(dir);
  execFileSync("git", ["init", "-q"], { cwd: dir });
  for (const e of edits) {
    if (!e.before) continue;
    mkdirSync(dirname(join(dir, e.path)), { recursive: true });
    writeFileSync(join(dir, e.path), e.before);
  }
  writeFileSync(join(root, `${n}.patch`), combinedDiff(edits));
  execFileSync("git", ["-c", "core.autocrlf=false", "apply", "--whitespace=nowarn", join(root, `${n}.patch`)], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  return new Map(edits.map((e) => [e.path, existsSync(join(dir, e.path)) ? new Uint8Array(readFileSync(join(dir, e.path))) : undefined]));
}

const line = fc.oneof(
  fc.constantFrom("Name: x", "%prep", "", "Patch0: a.patch", "  indented", "é ü ✓", "\uFEFFbom", "tab\there", "\\ No newline at end of file", "+plus", "-minus", " space", "@@ -1 +1 @@"),
  fc.string({ maxLength: 12 }),
);
const ending = fc.constantFrom("\n", "\r\n", "\r", "");
const textContent = fc.array(fc.tuple(line, ending), { maxLength: 12 }).map((ls) => enc(ls.map(([l, e]) => l + e).join("")));
const rawContent = fc.uint8Array({ maxLength: 200 });
const content = fc.oneof(textContent, textContent, rawContent);

describe("fix diffs carry bytes exactly", () => {
  it("a Latin-1 byte, a NUL byte or an invalid sequence becomes a binary patch git applies byte for byte", () => {
    const latin1 = new Uint8Array([...enc("From: Jos"), 0xe9, ...enc(" <j@x>\nSubject: fix\n")]);
    const edits: FileEdit[] = [
      { path: "base/comps/x/latin1.patch", after: latin1 },
      { path: "specs/x/x/x.spec", before: enc("Name: x\n"), after: new Uint8Array([...enc("Name: x\n# "), 0xff, 0xfe, 10]) },
      { path: "specs/x/x/blob.bin", before: new Uint8Array([0, 1, 2, 3]) },
    ];
    const patch = combinedDiff(edits);
    expect(patch).toContain("GIT binary patch");
    expect(patch).not.toContain("\uFFFD");
    const after = gitApply(edits, 0);
    for (const e of edits) expect(after.get(e.path)).toEqual(e.after);
  });

  it("any old and new content: git apply gives exactly the new bytes", () => {
    let n = 1;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.option(content, { nil: undefined }), fc.option(content, { nil: undefined })), { minLength: 1, maxLength: 3 }), (pairs) => {
        const edits = pairs
          .map(([before, after], i) => ({ path: `d${i}/f${i}.txt`, ...(before ? { before } : {}), ...(after ? { after } : {}) }))
          .filter((e) => e.before || e.after);
        if (edits.length === 0 || combinedDiff(edits) === "") return;
        const after = gitApply(edits, n++);
        for (const e of edits) expect(after.get(e.path), e.path).toEqual(e.after);
      }),
      { numRuns: 60 },
    );
  });

  it("the binary hunk reads back to the content it was made from", () => {
    fc.assert(
      fc.property(rawContent, (bytes) => {
        const patch = combinedDiff([{ path: "x.bin", after: new Uint8Array([0, ...bytes]) }]);
        const lines = patch.split("\n");
        const at = lines.indexOf("GIT binary patch");
        expect(readBinaryPatch(lines.slice(at + 1))).toEqual(new Uint8Array([0, ...bytes]));
      }),
      { numRuns: 200 },
    );
  });
});

describe("a hand edit with bytes that are not UTF-8", () => {
  it("is left out of the overlays with the reason, never written as U+FFFD; the rest of the fix is verified and applies byte for byte", async () => {
    const base = baseFiles();
    const head: Record<string, string | Uint8Array> = withEdits(base, demoHeadEdits());
    const SPEC = "specs/s/systemd/systemd.spec";
    const spec = head[SPEC] as string;
    // a comment in Latin-1 next to the demo's own hand edits (a vendored patch, a changed option)
    const anchor = "%global __requires_exclude pkg-config\n";
    const at = spec.indexOf(anchor) + anchor.length;
    const edited = new Uint8Array([...enc(spec.slice(0, at)), ...enc("# caf"), 0xe9, 10, ...enc(spec.slice(at))]);
    head[SPEC] = edited;
    const result = await reviewChange({ base: memoryRepo(base), head: memoryRepo(head) });
    expect(result.fix?.verified).toBe(true);
    expect(result.fix?.note).toMatch(/systemd\.spec line 18: bytes that are not UTF-8 text, which an overlay \(TOML text\) cannot carry/);
    const patch = result.fix?.patch ?? "";
    expect(patch).not.toContain("\uFFFD");
    expect(patch).toContain("GIT binary patch");
    // applied to the head, the rendered spec is the re-render: the option kept, the patch wired, the bytes gone
    const changes = await applyFix(patch, async (path) => (typeof head[path] === "string" ? enc(head[path] as string) : (head[path] as Uint8Array | undefined)));
    const fixedSpec = changes.get(SPEC) as Uint8Array;
    expect(fixedSpec).toBeInstanceOf(Uint8Array);
    const fixedText = new TextDecoder("utf-8", { fatal: true }).decode(fixedSpec);
    expect(fixedText).toContain("-Dservice-watchdog=5min");
    expect(fixedText).not.toContain("# caf");
    expect(changes.get("base/comps/systemd/systemd.comp.toml")).toContain('type = "patch-add"');
  });
});
