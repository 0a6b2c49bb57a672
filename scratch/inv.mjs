import { openRepo } from "../dist/repo/index.js";
import { nixInventory, trackNix } from "../dist/nix/index.js";
const repo = await openRepo(process.argv[2]);
const inv = await nixInventory(repo);
console.log(JSON.stringify(inv, (k, v) => k === "text" ? undefined : v, 1).slice(0, +process.env.N || 20000));
if (process.env.V) console.log(JSON.stringify(await trackNix(inv), (k,v)=> k==="drop"||k==="criteria" ? undefined : v, 1));
