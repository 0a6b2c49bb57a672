/**
 * Block-structure problems GitHub-flavoured Markdown renders wrongly: a heading, table or code fence
 * that does not start after a blank line (GitHub then folds it into the paragraph above), a heading
 * run into the next block, an unclosed fence.
 */
export function markdownProblems(markdown: string): string[] {
  const problems: string[] = [];
  const lines = markdown.split("\n");
  let fence: string | undefined;
  const startsBlock = (i: number) => {
    const previous = lines[i - 1];
    return previous === undefined || previous.trim() === "" || /^<!--.*-->$/.test(previous);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const trimmed = line.trimStart();
    if (fence) {
      if (trimmed.startsWith(fence) && trimmed.slice(fence.length).trim() === "" && /^`*$/.test(trimmed.trim())) fence = undefined;
      continue;
    }
    const open = /^(`{3,})/.exec(trimmed);
    if (open) {
      fence = open[1];
      if (line === trimmed && !startsBlock(i)) problems.push(`line ${i + 1}: code fence without a blank line before it`);
      continue;
    }
    if (/^#{1,6} /.test(line)) {
      if (!startsBlock(i)) problems.push(`line ${i + 1}: heading without a blank line before it`);
      const next = lines[i + 1];
      if (next !== undefined && next.trim() !== "") problems.push(`line ${i + 1}: heading without a blank line after it`);
    }
    if (line.startsWith("|") && !(lines[i - 1] ?? "").startsWith("|") && !startsBlock(i)) {
      problems.push(`line ${i + 1}: table without a blank line before it`);
    }
  }
  if (fence) problems.push("unclosed code fence");
  return problems;
}
