// The investigation prompt each sample alert costs: characters and estimated tokens of the
// system and user messages exactly as the investigator would send them.
import { normalizeAlert } from "../enricher/normalize/index.js";
import { enrichIndicators } from "../enricher/enrich/index.js";
import { enrichmentSetup } from "../enricher/enrich/setup.js";
import { buildInvestigationPrompt } from "../investigator/prompt.js";
import { estimateTokens } from "../llm/token-estimate.js";
import type { CorpusItem, Sample } from "./corpus.js";
import { summarize, type Summary } from "./stats.js";

export interface PromptSize {
  input: string;
  category: string;
  systemChars: number;
  userChars: number;
  chars: number;
  systemTokens: number;
  userTokens: number;
  /** What the investigator estimates for the whole request (both messages plus chat-template overhead). */
  estimatedTokens: number;
}

export interface PromptReport {
  samples: PromptSize[];
  /** Estimated tokens over every fixture alert of every format, for the spread beyond the samples. */
  corpusTokens: Summary;
}

async function promptSize(input: string, text: string, setup: ReturnType<typeof enrichmentSetup>): Promise<PromptSize | null> {
  const r = normalizeAlert(text);
  if (!r.ok) return null;
  const enrichment = await enrichIndicators(r.alert, { providers: setup.providers, assetRules: setup.assetRules });
  const p = buildInvestigationPrompt(r.alert, enrichment);
  return {
    input, category: r.alert.category,
    systemChars: p.system.length, userChars: p.user.length, chars: p.system.length + p.user.length,
    systemTokens: estimateTokens(p.system), userTokens: estimateTokens(p.user), estimatedTokens: p.estimatedTokens,
  };
}

export async function measurePrompts(samples: readonly Sample[], corpus: readonly CorpusItem[]): Promise<PromptReport> {
  const setup = enrichmentSetup({});
  const sizes: PromptSize[] = [];
  for (const s of samples) {
    const size = await promptSize(s.file, s.body, setup);
    if (!size) throw new Error(`${s.file} does not normalize, so it has no prompt; check the file`);
    sizes.push(size);
  }
  const corpusTokens: number[] = [];
  for (const c of corpus) {
    const size = await promptSize(c.input, c.text, setup);
    if (size) corpusTokens.push(size.estimatedTokens);
  }
  return { samples: sizes, corpusTokens: summarize(corpusTokens) };
}
