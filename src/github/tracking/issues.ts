/**
 * The GitHub issue calls tracking makes. Lookups list issues by label and creator — never the search
 * API, whose index lags and would let a rerun create duplicates. Every write waits for the pacer.
 */
import { httpStatus, type Octokit, type RepoRef } from "../octokit.js";
import type { ContentPacer } from "./pacer.js";

export interface TrackedIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  labels: string[];
  author: string;
}

export class IssueStore {
  writes = 0;
  constructor(
    private readonly octokit: Octokit,
    private readonly repo: RepoRef,
    private readonly pacer: ContentPacer,
  ) {}

  async #write<T>(fn: () => Promise<T>): Promise<T> {
    await this.pacer.take();
    this.writes++;
    return fn();
  }

  async ensureLabel(name: string, color: string, description: string): Promise<void> {
    try {
      await this.octokit.request("GET /repos/{owner}/{repo}/labels/{name}", { ...this.repo, name });
      return;
    } catch (error) {
      if (httpStatus(error) !== 404) throw error;
    }
    try {
      await this.#write(() => this.octokit.request("POST /repos/{owner}/{repo}/labels", { ...this.repo, name, color, description }));
    } catch (error) {
      // created concurrently by another replica: fine
      if (httpStatus(error) !== 422) throw error;
    }
  }

  /** Every issue (open and closed) with `label` created by `author`; pull requests excluded. */
  async list(label: string, author: string): Promise<TrackedIssue[]> {
    const out: TrackedIssue[] = [];
    for (let page = 1; page <= 100; page++) {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/issues", {
        ...this.repo,
        labels: label,
        creator: author,
        state: "all",
        per_page: 100,
        page,
      });
      for (const issue of data) {
        if ((issue as { pull_request?: unknown }).pull_request) continue;
        const login = issue.user?.login ?? "";
        if (login !== author) continue;
        out.push({
          number: issue.number,
          title: issue.title,
          body: issue.body ?? "",
          state: issue.state === "closed" ? "closed" : "open",
          labels: issue.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))),
          author: login,
        });
      }
      if (data.length < 100) break;
    }
    return out.sort((a, b) => a.number - b.number);
  }

  async create(title: string, body: string, labels: string[]): Promise<number> {
    const { data } = await this.#write(() => this.octokit.request("POST /repos/{owner}/{repo}/issues", { ...this.repo, title, body, labels }));
    return data.number;
  }

  async update(number: number, changes: { title?: string; body?: string; state?: "open" | "closed"; state_reason?: "completed" | "not_planned" | "reopened" }): Promise<void> {
    await this.#write(() => this.octokit.request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", { ...this.repo, issue_number: number, ...changes }));
  }

  async comment(number: number, body: string): Promise<void> {
    await this.#write(() => this.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { ...this.repo, issue_number: number, body }));
  }

  /** Writes go through the pacer; callers that write outside the store (drop PRs) use this too. */
  paced<T>(fn: () => Promise<T>): Promise<T> {
    return this.#write(fn);
  }
}
