import { memoryForge } from "../../src/tracking/index.js";

/** Upstream history for the fixture distro's components. */
export function fixtureForge() {
  return memoryForge({
    "github.com/example/netlabel": {
      // v2.0 ← fix ← merge of PR 42 ← release 2.1 ← main
      commits: { a1: [], b2: ["a1"], m42: ["b2"], c3: ["m42"], d4: ["c3"] },
      refs: { "v2.0": "a1", "v2.1": "c3", main: "d4" },
      changes: { 42: { url: "https://github.com/example/netlabel/pull/42", state: "merged", mergeCommit: "m42", baseRef: "main", title: "parser: accept labels longer than 64 bytes" } },
    },
    "github.com/example/unitd": {
      commits: { u1: [], u2: ["u1"], u3: ["u2"] },
      refs: { "v258.3": "u1", "v258.4": "u2", "v259-rc1": "u3", main: "u3" },
      changes: {
        26: { url: "https://github.com/example/unitd/pull/26", state: "merged", mergeCommit: "u1" },
        77: { url: "https://github.com/example/unitd/pull/77", state: "closed", title: "tmpfiles: label /run/unitd" },
        80: { url: "https://github.com/example/unitd/pull/80", state: "open", title: "userdb: omit empty parameters field" },
      },
      files: {
        "v258.4": {
          "tmpfiles.d/unitd.conf": "# runtime state\nd /run/unitd 0755 root root -\n",
          "src/firmware/load.c": 'int firmware_load(void) {\n\treturn load("/usr/lib/firmware");\n}\n',
          "src/userdb/userdb.c": "\n\n\n\n\n\n\n\n\nint userdb_reply(Json *reply) {\n\tjson_add(reply, \"name\");\n\tjson_add(reply, \"parameters\");\n\treturn 0;\n}\n",
        },
      },
    },
  });
}
