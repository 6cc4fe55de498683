/**
 * A prompt-size estimate without shipping a tokenizer, tuned to Qwen's BPE: common English words
 * are one token and long ones split (about one token per 6 letters, at least one), every digit is
 * its own token (Qwen splits numbers digit by digit, which makes IP addresses expensive), and each
 * punctuation mark is one token. It slightly over-estimates prose. The server's
 * `usage.prompt_tokens` is the exact figure and is recorded on every investigation.
 */
export function estimateTokens(text: string): number {
  let tokens = 0;
  for (const m of text.matchAll(/[A-Za-z]+|\d|[^\sA-Za-z\d]/g)) {
    const piece = m[0];
    tokens += /^[A-Za-z]/.test(piece) ? Math.max(1, Math.ceil(piece.length / 6)) : 1;
  }
  return tokens;
}
