/**
 * Finds prompt-injection attempts in an alert. Every text the alert carries is attacker-controlled
 * (a user name, a URL path, a log line), so every string is walked, nested raw fields included.
 * A finding taints the alert: the decider then never closes it and never acts without a human.
 * The detector errs towards flagging: a false taint costs an approval click, a miss can close an
 * intrusion.
 */
import type { CanonicalAlert, InjectionFinding } from "@secops/contracts";

type Kind = InjectionFinding["kind"];

interface Pattern {
  kind: Kind;
  re: RegExp;
  /** Matched against the text with its line breaks kept (line-start markers), not the flattened text. */
  lines?: true;
}

const ACTION_NAMES = /\b(?:CLOSE_FALSE_POSITIVE|BLOCK_IP|ISOLATE_HOST|CREATE_TICKET|MANUAL_REVIEW)\b/;

const PATTERNS: Pattern[] = [
  // Chat-template and prompt-format markers that have no business in a log line.
  { kind: "role_marker", re: /<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id)\|?>/i },
  { kind: "role_marker", re: /(?:^|[.;!?]\s)\s*(?:system|assistant|developer)\s*:/im, lines: true },
  { kind: "role_marker", re: /#{2,}\s*(?:instruction|instructions|system|response|assistant)\b/i },
  { kind: "role_marker", re: /\[\/?INST\]|<<\/?SYS>>|<\/?think>/i },
  { kind: "override", re: /\b(?:ignore|disregard|forget|override|bypass|skip)\b[\s\S]{0,30}\b(?:previous|prior|above|earlier|preceding|all|any|your|the|system)\b[\s\S]{0,20}\b(?:instructions?|prompts?|rules?|guidelines?|directions?|context|policy|policies)\b/i },
  { kind: "override", re: /\bnew (?:instructions?|rules?|task)\s*:|\byou are now\b|\bfrom now on\b|\bact as (?:an?|the)\b|\bpretend (?:to be|you)\b|\bjailbreak\b/i },
  { kind: "instruction", re: /\b(?:dear|attention|note (?:to|for)|hey|hello)\s+(?:ai|llm|assistant|model|analyst|gpt|qwen|chatbot|soc)\b/i },
  { kind: "instruction", re: /\b(?:as an? (?:ai|llm|language model|assistant)|(?:ai|llm|language model)s? (?:reading|processing|analy[sz]ing) this)\b/i },
  { kind: "instruction", re: /\b(?:respond|reply|answer|output|return|say)\s+(?:only\s+)?(?:with|that)\b|\byour (?:task|job|answer|response|output|verdict) (?:is|must|should|will)\b|\b(?:you|the (?:ai|model|assistant|analyst)) (?:must|should|shall|will) (?:now |always |never )?(?:respond|answer|classify|mark|set|output|recommend|treat|conclude|report)\b/i },
  { kind: "action_request", re: /\b(?:mark|classify|treat|flag|label|close|report|consider|set|resolve|dismiss|rate|score)\b[\s\S]{0,40}\b(?:as\s+)?(?:benign|false[\s_-]?positives?|harmless|safe|legitimate|not malicious|low severity)\b/i },
  { kind: "action_request", re: /\b(?:no (?:action|further action|investigation) (?:is )?(?:needed|required))\b|\b(?:do not|don't|never) (?:block|isolate|escalate|alert|flag|report|investigate)\b/i },
  { kind: "action_request", re: ACTION_NAMES },
  // Vendor logs say "severity=low" legitimately; only the answer's own keys are suspicious.
  { kind: "action_request", re: /["']?\b(?:recommended_?action|recommended_?target|verdict)\b["']?\s*[:=]\s*["']?(?:benign|false_positive|close|block|isolate)/i },
  { kind: "action_request", re: /\b(?:please |now |immediately )?(?:block|isolate|quarantine|whitelist|allowlist|unblock)\s+(?:the\s+)?(?:ip|host|address|machine|server)\s+\S+/i },
  // Attempts to end the data fence early or to open a fake one.
  { kind: "delimiter_escape", re: /<{2,}\s*\/?\s*(?:end|begin|start|untrusted|alert)[\w-]*|(?:end|begin)[\s_-]*(?:of[\s_-]*)?(?:untrusted|alert)[\s_-]*(?:data|content|fence)\b|<\/?\s*(?:untrusted|alert[_-]?data|fence)\b[^>]*>|^\s*`{3,}\s*$/im, lines: true },
];

// Zero-width and bidi controls let "ig\u200Bnore previous instructions" slip past a regex.
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

const MAX_FINDINGS = 50;
const MAX_DEPTH = 12;
const MAX_STRINGS = 5_000;

/** Normalizes text the way a model would read it: compatibility forms folded, invisible characters gone. */
export function readableText(text: string): string {
  return text.normalize("NFKC").replace(INVISIBLE, "").replace(/\s+/g, " ");
}

export function detectInjection(alert: CanonicalAlert): InjectionFinding[] {
  const findings: InjectionFinding[] = [];
  const seen = new Set<string>();
  let visited = 0;

  const scan = (path: string, text: string) => {
    // Stryker disable next-line EqualityOperator: the caps' exact counts (5000 or 5001 strings; > or >= 50 findings, also checked after each push) are no rule; tests pin that both stop
    if (findings.length >= MAX_FINDINGS || visited++ > MAX_STRINGS) return;
    const flattened = readableText(text);
    const withLines = text.normalize("NFKC").replace(INVISIBLE, "");
    for (const { kind, re, lines } of PATTERNS) {
      const target = lines ? withLines : flattened;
      const m = re.exec(target);
      if (!m) continue;
       
      const key = `${path}\u0000${kind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push({ path, kind, excerpt: excerptAround(target, m.index, m[0].length) });
      if (findings.length >= MAX_FINDINGS) return;
    }
  };

  const walk = (path: string, value: unknown, depth: number) => {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent for the findings cap: scan() itself returns at 50 findings
    if (depth > MAX_DEPTH || findings.length >= MAX_FINDINGS) return;
    if (typeof value === "string") scan(path, value);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(`${path}[${i}]`, v, depth + 1));
    else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        const child = path ? `${path}.${k}` : k;
        // Keys are attacker-controlled too: {"ignore previous instructions": 1}.
        scan(`${child}(key)`, k);
        walk(child, v, depth + 1);
      }
    }
  };

  walk("title", alert.title, 0);
  walk("description", alert.description, 0);
  walk("user.name", alert.user.name, 0);
  walk("host.name", alert.host.name, 0);
  walk("source", alert.source, 0);
  walk("assets", alert.assets, 0);
  walk("iocs", alert.iocs.map((i) => i.value), 0);
  walk("tactics", alert.tactics, 0);
  walk("context", alert.context, 0);
  walk("raw", alert.raw, 0);
  return dedupeByExcerpt(findings);
}

function excerptAround(text: string, index: number, length: number): string {
  const start = Math.max(0, index - 40);
  const end = Math.min(text.length, index + Math.max(length, 1) + 60);
  const excerpt = `${start > 0 ? "…" : ""}${text.slice(start, end)}${end < text.length ? "…" : ""}`;
  // Excerpts are shown on the dashboard: no control characters, bounded length.
  // eslint-disable-next-line no-control-regex -- control characters are what is being removed or checked for
  return excerpt.replace(/[\u0000-\u001F\u007F]/g, " ").slice(0, 200);
}

/** The normalizer copies raw fields into title, context and so on: report one text once, at its first path. */
function dedupeByExcerpt(findings: InjectionFinding[]): InjectionFinding[] {
  const byKindAndExcerpt = new Set<string>();
  return findings.filter((f) => {
     
    const key = `${f.kind}\u0000${f.excerpt}`;
    if (byKindAndExcerpt.has(key)) return false;
    byKindAndExcerpt.add(key);
    return true;
  });
}
