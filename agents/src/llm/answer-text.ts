/**
 * Separates Qwen3's reasoning from its answer. The reasoning is kept for people and never parsed:
 * a JSON draft inside a think block must not be mistaken for the answer.
 */
export interface SplitAnswer {
  answer: string;
  thinking: string | null;
}

const THINK_BLOCK = /<think>([\s\S]*?)<\/think>/gi;

export function splitThinking(content: string): SplitAnswer {
  const traces: string[] = [];
  let answer = content.replace(THINK_BLOCK, (_m, body: string) => {
    traces.push(body.trim());
    return "";
  });
  // A trace cut off by max_tokens has no closing tag: everything after the opening tag is reasoning.
  const unclosed = answer.search(/<think>/i);
  if (unclosed >= 0) {
    traces.push(answer.slice(unclosed + "<think>".length).trim());
    answer = answer.slice(0, unclosed);
  }
  // Some servers strip the opening tag but leave the closing one.
  const orphanClose = answer.toLowerCase().lastIndexOf("</think>");
  if (orphanClose >= 0) {
    traces.push(answer.slice(0, orphanClose).replace(/<\/think>/gi, "").trim());
    answer = answer.slice(orphanClose + "</think>".length);
  }
  const thinking = traces.filter((t) => t.length > 0).join("\n\n");
  return { answer: answer.trim(), thinking: thinking.length > 0 ? thinking : null };
}
