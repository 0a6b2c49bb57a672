import { fileURLToPath } from "node:url";

export const NIX_PACKAGES = fileURLToPath(new URL("../../fixtures/nix/packages", import.meta.url));
export const NIX_CONFIG = fileURLToPath(new URL("../../fixtures/nix/config", import.meta.url));
export const NIX_DEMO_BUMP = fileURLToPath(new URL("../../fixtures/nix/demo-bump", import.meta.url));
