export { patchId, patchIds, type PatchIdEntry, type PatchIdOptions } from "./patch-id.js";
