/** Where upstream (dist-git) component trees come from: dist-git over git, a local directory, memory. */
export * from "./types.js";
export { distGitUpstream, distGitUrl, pathEscape, DistGitUpstream, type DistGitOptions, type DistGitStats } from "./dist-git.js";
export { directoryUpstream, DirectoryUpstream, type DirectoryUpstreamOptions } from "./directory.js";
export { memoryUpstream, MemoryUpstream, type MemoryHistory, type MemoryUpstreamOptions } from "./memory.js";
export { GitSource, parseCommitObject, parseTreeObject, parseSnapshot, isValidPin, type GitSourceOptions } from "./git-source.js";
