// Ed25519 signatures on decisions: what they cover, who may sign which state, and key rotation
// with several trusted keys. Keys are real node:crypto keys in a temporary DATA_DIR.
import { afterAll, describe, expect, it } from "vitest";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { awaiting, block, decided } from "../responder/fixtures.js";
import { Verifier, keyIdOf, loadSigner } from "../../src/trust/signing.js";
import { parsePolicy } from "../../src/shared/policy.js";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(join(tmpdir(), "sign-")); dirs.push(d); return d; };
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe("decision signatures", () => {
  it("verify for the decider's own decision, and fail for any change to what they cover", () => {
    const env = { DATA_DIR: tmp() };
    const signer = loadSigner("decider", env);
    const v = new Verifier(env);
    const msg = signer.sign(decided(block("203.0.113.7")));
    expect(v.verify(msg)).toEqual({ ok: true, signer: "decider", keyId: signer.keyId });
    const changes: [string, typeof msg][] = [
      ["target", { ...msg, decision: { ...msg.decision, parameters: { ...msg.decision.parameters, ip: "203.0.113.8" } as never } }],
      ["alert", { ...msg, alertId: "another-alert" }],
      ["fingerprint", { ...msg, alert: { ...msg.alert, fingerprint: "f".repeat(64) } }],
      ["mode", { ...msg, decision: { ...msg.decision, mode: "shadow" } }],
    ];
    for (const [what, m] of changes) {
      const r = v.verify(m);
      expect(r.ok, what).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/does not match the decision/);
    }
    const { signature: _s, ...unsigned } = msg;
    expect(v.verify(unsigned)).toMatchObject({ ok: false, reason: expect.stringMatching(/^unsigned ready decision/) });
  });

  it("lets only approvers sign an approval state, and only the decider a decision", () => {
    const env = { DATA_DIR: tmp() };
    const v0 = loadSigner("dashboard", env);
    const decider = loadSigner("decider", env);
    const msg = awaiting(block("203.0.113.9"));
    const approved = v0.sign({ ...msg, decision: { ...msg.decision, status: "approved" } });
    const v = new Verifier(env);
    expect(v.verify(approved)).toMatchObject({ ok: true, signer: "dashboard" });
    // A dashboard key cannot make a decision run automatically.
    expect(v.verify(v0.sign(decided(block("203.0.113.9"))))).toMatchObject({ ok: false, reason: "dashboard may not sign a ready decision (allowed: decider)" });
    // Nor the decider approve.
    expect(v.verify(decider.sign({ ...msg, decision: { ...msg.decision, status: "approved" } }))).toMatchObject({ ok: false, reason: expect.stringMatching(/decider may not sign a approved decision/) });
    // A signature claiming another signer than the key's owner fails.
    const lie = { ...approved, signature: { ...approved.signature!, signer: "cli" as const } };
    expect(v.verify(lie)).toMatchObject({ ok: false, reason: expect.stringMatching(/belongs to dashboard, but the signature claims cli/) });
  });

  it("rotates keys: old and new keys are both accepted while both are trusted, then the old one is refused", () => {
    const trusted = tmp();
    const write = (name: string) => {
      const pair = generateKeyPairSync("ed25519");
      const dir = tmp();
      const key = join(dir, `${name}.pem`);
      writeFileSync(key, pair.privateKey.export({ type: "pkcs8", format: "pem" }) as string);
      writeFileSync(join(trusted, `decider-${keyIdOf(pair.publicKey)}.pub`), pair.publicKey.export({ type: "spki", format: "pem" }) as string);
      return { key, pub: join(trusted, `decider-${keyIdOf(pair.publicKey)}.pub`) };
    };
    const oldKey = write("old");
    const newKey = write("new");
    const signedOld = loadSigner("decider", { SECOPS_SIGNING_KEY: oldKey.key }).sign(decided(block("198.51.100.1")));
    const signedNew = loadSigner("decider", { SECOPS_SIGNING_KEY: newKey.key }).sign(decided(block("198.51.100.1")));
    expect(signedOld.signature!.keyId).not.toBe(signedNew.signature!.keyId);
    const both = new Verifier({ SECOPS_TRUSTED_KEYS: trusted });
    expect(both.verify(signedOld).ok).toBe(true);
    expect(both.verify(signedNew).ok).toBe(true);
    rmSync(oldKey.pub);
    const after = new Verifier({ SECOPS_TRUSTED_KEYS: trusted });
    expect(after.verify(signedNew).ok).toBe(true);
    expect(after.verify(signedOld)).toMatchObject({ ok: false, reason: expect.stringMatching(/not among the trusted keys/) });
    expect(readdirSync(trusted)).toHaveLength(1);
  });

  it("picks up a key trusted after start, and names a badly named or bad key file", () => {
    const env = { DATA_DIR: tmp() };
    const v = new Verifier(env);
    const other = { DATA_DIR: tmp() };
    const s = loadSigner("decider", other);
    const msg = s.sign(decided(block("198.51.100.2")));
    expect(v.verify(msg).ok).toBe(false);
    const from = join(other.DATA_DIR, "keys", "trusted");
    mkdirSync(join(env.DATA_DIR, "keys", "trusted"), { recursive: true });
    for (const f of readdirSync(from)) copyFileSync(join(from, f), join(env.DATA_DIR, "keys", "trusted", f));
    return new Promise<void>((resolve) => setTimeout(() => {
      expect(v.verify(msg).ok).toBe(true);
      const bad = tmp();
      writeFileSync(join(bad, "mystery.pub"), "x");
      expect(() => new Verifier({ SECOPS_TRUSTED_KEYS: bad })).toThrow(/must start with the signer/);
      writeFileSync(join(bad, "mystery.pub"), "");
      rmSync(join(bad, "mystery.pub"));
      writeFileSync(join(bad, "decider-x.pub"), "not a key");
      expect(() => new Verifier({ SECOPS_TRUSTED_KEYS: bad })).toThrow(/is not a public key in PEM/);
      expect(() => loadSigner("decider", { SECOPS_SIGNING_KEY: join(bad, "nope.pem") })).toThrow(/SECOPS_SIGNING_KEY=.*cannot read an Ed25519 private key/);
      resolve();
    }, 10));
  });
});

describe("policy limits", () => {
  const base = readFileSync(fileURLToPath(new URL("../../policy/default.yaml", import.meta.url)), "utf8");
  it("reads durations and refuses a bad one, naming the setting", () => {
    expect(parsePolicy(base).limits).toEqual({ ISOLATE_HOST: { max: 5, per: 3_600_000 }, BLOCK_IP: { max: 50, per: 3_600_000 } });
    expect(parsePolicy(base.replace("ISOLATE_HOST: { max: 5, per: 1h }", "ISOLATE_HOST: { max: 5, per: 90 }")).limits.ISOLATE_HOST).toEqual({ max: 5, per: 90_000 });
    expect(() => parsePolicy(base.replace("ISOLATE_HOST: { max: 5, per: 1h }", "ISOLATE_HOST: { max: 5, per: soon }"))).toThrow(/limits\.ISOLATE_HOST\.per: expected a duration such as 1h/);
    expect(() => parsePolicy(base.replace("ISOLATE_HOST: { max: 5, per: 1h }", "NUKE: { max: 5, per: 1h }"))).toThrow(/limits/);
  });
});
