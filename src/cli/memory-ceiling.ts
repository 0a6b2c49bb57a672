/**
 * The command line's memory ceiling: a pull request or repository must not make a CI job or a
 * developer's machine swap. Above `SPECWARDEN_MAX_MEMORY_MB` (default 1024) of resident memory the
 * command stops with exit status 2 and says why — a clear failure, never a false result. The app
 * process is bounded by its deployment (a container limit) instead.
 */
export const DEFAULT_MAX_MEMORY_MB = 1024;

export function memoryCeilingMb(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env["SPECWARDEN_MAX_MEMORY_MB"]?.trim();
  if (raw === "0") return undefined;
  const value = raw ? Number(raw) : DEFAULT_MAX_MEMORY_MB;
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_MAX_MEMORY_MB;
}

/** Watches resident memory; `onExceeded` runs once when it passes the ceiling. */
export function watchMemory(limitMb: number, onExceeded: (rssMb: number) => void, intervalMs = 100): () => void {
  let done = false;
  const tick = () => {
    const rssMb = process.memoryUsage.rss() / (1024 * 1024);
    if (!done && rssMb > limitMb) {
      done = true;
      clearInterval(timer);
      onExceeded(Math.round(rssMb));
    }
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return () => clearInterval(timer);
}
