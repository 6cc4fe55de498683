// `secops audit <id>`: the whole record of one alert, read back from the stream: the raw
// message as it was published, every stage message (approvals and their outcomes included) and
// any dead letter, in stream order, with the full text of the policy versions its decisions
// name. The id may be any id a person has (see cli/ids.ts). The stream is the audit log; this
// command only reads it. --export writes the same evidence (and the KV records involved) as a
// bundle with a sha256 manifest, for one alert or a window; --verify checks such a bundle.
import { resolve } from "node:path";
import type { CliCommand } from "../command.js";
import { parseFlags } from "../../shared/flags.js";
import { ID_SOURCES, IdError, alertIdsFor, type IdContext } from "../ids.js";
import { withNats } from "../session.js";
import { auditEntries, evidenceFiles, policiesOf } from "../../replay/evidence.js";
import { readHistory } from "../../replay/history.js";
import { verifyBundle, writeBundle } from "../../replay/bundle.js";

export const command: CliCommand = {
  name: "audit",
  summary: "one alert's whole record from the stream (raw, every stage, approvals, policy text); --export/--verify an evidence bundle",
  usage: `secops audit [--since <ISO time>] <id>
       secops audit --export <dir> (<id> | --since <ISO time> [--until <ISO time>])
       secops audit --verify <dir>
  <id> is any id you have for the alert:
    ${Object.values(ID_SOURCES).join("\n    ")}
  Prints one JSON document: {"alertId", "alertIds", "stream", "entries": [{"seq", "subject", "time", "summary", "message"}],
  "policies": {"<version>": {"version", "file", "text", "recordedAt"} | null}} in stream order, starting with the raw
  message as it was published; "policies" holds the exact text of each policy version that decided (null when the
  version was never recorded in the policies bucket). A vendor id that several alerts share prints all of them.
  --since limits the scan (the stream keeps STREAM_MAX_AGE_DAYS of history). NATS_URL (and SECOPS_NAMESPACE) say
  which pipeline to read. Exits 1 when the stream holds nothing for the id.
  --stream <name> reads another stream with the same subjects instead, e.g. the archive ALERTS_ARCHIVE.
  --export <dir> writes every message, the KV records that name the alert (approvals, ledger, records) and the
  policy texts into <dir> (new or empty), with manifest.json listing each file's sha256; for a window, give
  --since (and --until) instead of an id. --verify <dir> recomputes the hashes: exit 0 when all match, 1 otherwise.
examples (after npm run demo):
  npx secops audit SEC-2026-0101
  npx secops audit --since 2026-01-01T00:00:00Z SEC-2026-0104
to export (into a new directory of yours) and verify:
    npx secops audit --export evidence/SEC-2026-0101 SEC-2026-0101
    npx secops audit --export archive/2026-11 --since 2026-11-01T00:00:00Z --until 2026-12-01T00:00:00Z
    npx secops audit --verify evidence/SEC-2026-0101`,
  async run(argv, io) {
    const { flags, positional, unknown } = parseFlags(argv, ["since", "until", "export", "verify", "stream"]);
    const usageError = (why: string) => { io.err(why); io.err(`usage: ${this.usage}`); return 2; };
    if (unknown.length > 0) return usageError(`unknown or incomplete option: ${unknown.join(" ")}`);
    if (flags.verify !== undefined) {
      if (positional.length > 0 || flags.export !== undefined) return usageError("--verify takes only the bundle directory");
      const v = await verifyBundle(resolve(io.cwd, flags.verify));
      io.out(JSON.stringify(v));
      if (!v.ok) for (const p of v.problems) io.err(`NOT VERIFIED ${p}`);
      return v.ok ? 0 : 1;
    }
    const windowExport = flags.export !== undefined && positional.length === 0 && flags.since !== undefined;
    if (!windowExport && positional.length !== 1) return usageError(flags.export !== undefined ? "give one id, or --since (and --until) for a window" : "give exactly one id");
    if (flags.until !== undefined && !windowExport) return usageError("--until is for window exports (--export <dir> --since … --until …)");
    for (const k of ["since", "until"]) {
      if (flags[k] !== undefined && !Number.isFinite(Date.parse(flags[k]))) return usageError(`--${k} ${flags[k]}: expected an ISO 8601 time such as 2026-11-23T00:00:00Z`);
    }
    return withNats(io.env, async ({ nc, js, topo: pipeline }) => {
      // --stream reads another stream holding the same subjects: the archive (infra/nats/archive-stream.json).
      const topo = flags.stream ? { ...pipeline, stream: flags.stream } : pipeline;
      const ctx: IdContext = { nc, js, topo, ...(flags.since ? { sinceMs: Date.parse(flags.since) } : {}) };
      let alertIds: string[];
      const what = windowExport ? `the window ${flags.since} to ${flags.until ?? "now"}` : positional[0]!;
      if (windowExport) {
        alertIds = (await readHistory(ctx, { sinceMs: Date.parse(flags.since!), ...(flags.until ? { untilMs: Date.parse(flags.until) } : {}) })).map((h) => h.alertId);
      } else {
        try {
          alertIds = (await alertIdsFor(ctx, positional[0]!)).alertIds;
        } catch (e) {
          if (!(e instanceof IdError)) throw e;
          io.err(`secops audit: ${e.message}`);
          return 1;
        }
      }
      const wanted = new Set(alertIds);
      if (flags.export !== undefined) {
        const dir = resolve(io.cwd, flags.export);
        const { files, entries, policies } = await evidenceFiles(ctx, wanted);
        if (entries === 0) {
          io.err(`the stream ${topo.stream} holds nothing for ${what}`);
          return 1;
        }
        const about = { stream: topo.stream, selection: windowExport ? { since: flags.since, until: flags.until ?? null } : { id: positional[0] }, alertIds, entries, policyVersions: Object.keys(policies) };
        const r = await writeBundle(dir, files, about, io.env.SECOPS_USER || io.env.USER || "secops-audit");
        io.out(JSON.stringify({ dir, files: r.files, alerts: alertIds.length, entries, manifestSha256: r.manifestSha256 }));
        io.err(`exported ${alertIds.length} alert(s), ${r.files} files to ${dir}; keep the manifest's sha256 ${r.manifestSha256} apart from the bundle; check it with: npx secops audit --verify ${flags.export}`);
        return 0;
      }
      const entries = await auditEntries(ctx, wanted);
      if (entries.length === 0) {
        io.err(`the stream ${topo.stream} holds nothing for ${what}${flags.since ? ` since ${flags.since}` : ""}`);
        return 1;
      }
      io.out(JSON.stringify({ alertId: alertIds[0], alertIds, stream: topo.stream, entries, policies: await policiesOf(ctx, entries) }));
      return 0;
    }, "secops-audit");
  },
};
