import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { FIXTURE_DISTRO, fakeIO } from "../tracking/helpers.js";

describe("track --github-api-url", () => {
  it("sends every GitHub question to the given API root", async () => {
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? "");
      res.writeHead(404, { "content-type": "application/json" }).end('{"message":"Not Found"}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`;
      const io = fakeIO(FIXTURE_DISTRO);
      expect(await main(["track", "--github-api-url", url, "--json"], io)).toBe(0);
      expect(paths.length).toBeGreaterThan(0);
      expect(paths.every((p) => p.startsWith("/api/v3/repos/"))).toBe(true);
      const bad = fakeIO(FIXTURE_DISTRO);
      expect(await main(["track", "--github-api-url", "ftp://x"], bad)).toBe(2);
    } finally {
      server.close();
    }
  });
});
