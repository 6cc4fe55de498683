/**
 * A conservative prompt-size estimate without shipping a tokenizer. BPE vocabularies like
 * Qwen's give common English words one token and split long or rare runs; counting a token per
 * 4 characters of each word-run plus one per punctuation mark over-estimates English slightly and
 * is close for JSON-ish text. The server's `usage.prompt_tokens` is the exact figure and is
 * recorded on every investigation.
 */
export function estimateTokens(text: string): number {
  let tokens = 0;
  for (const m of text.matchAll(/[A-Za-z]+|\d+|[^\sA-Za-z\d]/g)) {
    const piece = m[0];
    if (/^[A-Za-z]+$/.test(piece)) tokens += Math.max(1, Math.ceil(piece.length / 4));
    else if (/^\d+$/.test(piece)) tokens += Math.ceil(piece.length / 3);
    else tokens += 1;
  }
  return tokens;
}
