/** True when an OpenAI-compatible server answers `GET /models` at the URL within the timeout. */
export async function llmAnswers(url: string, apiKey: string, timeoutMs = 1_500): Promise<boolean> {
  try {
    const r = await fetch(`${url.replace(/\/$/, "")}/models`, { headers: { authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(timeoutMs) });
    return r.ok;
  } catch {
    return false;
  }
}
