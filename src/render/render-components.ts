import type { Project } from "../azldev/types.js";
import type { RepoView } from "../repo/types.js";
import type { UpstreamSource } from "../upstream/types.js";
import { failedRender, renderWithEngine, type RenderComponentInput, type RenderEngine } from "./render-component.js";
import type { ComponentRender } from "./types.js";

export interface RenderComponentsInput extends Omit<RenderComponentInput, "name" | "engine"> {
  project: Project;
  repo: RepoView;
  names: string[];
  upstream?: UpstreamSource;
  /** components rendered at once (default 4) */
  concurrency?: number;
  onProgress?: (done: number, total: number, render: ComponentRender) => void;
  /** stop starting new components; the ones not started are reported "cancelled" */
  signal?: AbortSignal;
}

/** The longest stretch of rendering without letting the event loop run. */
const TURN_MS = 50;

/** Renders many components with bounded concurrency; one failure never stops the others. Sorted by name. */
export async function renderComponentsWith(input: RenderComponentsInput, engine: RenderEngine): Promise<ComponentRender[]> {
  const names = [...new Set(input.names)];
  const results: ComponentRender[] = new Array(names.length);
  const limit = Math.max(1, Math.floor(input.concurrency ?? 4));
  let next = 0;
  let done = 0;
  // Reads from a directory or from memory complete without a turn of the event loop: all workers
  // wait for one now and then, so that timers, signals and piped output are not held up.
  let lastTurn = performance.now();
  let turn: Promise<void> | undefined;
  const nextTurn = () =>
    (turn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        turn = undefined;
        lastTurn = performance.now();
        resolve();
      }),
    ));
  const worker = async () => {
    while (next < names.length) {
      while (performance.now() - lastTurn > TURN_MS) await nextTurn();
      if (next >= names.length) break;
      const index = next++;
      const name = names[index] as string;
      let render: ComponentRender;
      if (input.signal?.aborted) render = failedRender(input.project, name, "render cancelled", "cancelled");
      else {
        try {
          render = await renderWithEngine({ ...input, name, engine });
        } catch (error) {
          render = failedRender(input.project, name, error instanceof Error ? error.message : String(error));
        }
      }
      results[index] = render;
      done++;
      input.onProgress?.(done, names.length, render);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, names.length) }, worker));
  return results.sort((a, b) => (a.component < b.component ? -1 : a.component > b.component ? 1 : 0));
}
