export type * from "./azldev/types.js";
export type * from "./repo/types.js";
export type * from "./overlays/types.js";
export type * from "./render/types.js";
export type * from "./review/types.js";
