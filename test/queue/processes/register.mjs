// `node --import ./register.mjs child.ts`: installs ts-hooks.mjs before the child's first import.
import { register } from "node:module";

register("./ts-hooks.mjs", import.meta.url);
