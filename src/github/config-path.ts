/** Where a distro repository keeps its specwarden policy; a module of its own so that finding out whether there is one loads no YAML parser. */
export const CONFIG_PATH = ".github/specwarden.yml";
