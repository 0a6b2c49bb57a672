/** RPM version comparison (rpmvercmp, EVR) and upstream tag → RPM version normalisation. */
export { rpmvercmp, compareEVR, parseEVR, tagToVersion, type EVR, type Ordering } from "./rpmvercmp.js";
