/** The marker azldev leaves in a component's rendered dir, in place of its files, when a render fails. */
export const RENDER_FAILED_FILE = "RENDER_FAILED";
export const RENDER_FAILED_TEXT = "Rendering failed. See azldev logs for details.\n";
