// Every field the decision signature covers, one at a time, and the trusted-key files' rules.
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DecidedMessage } from "@secops/contracts";
import { awaiting, block, decided } from "../responder/fixtures.js";
import { MAY_SIGN, Verifier, loadSigner, signedPayload } from "../../src/trust/signing.js";

const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(join(tmpdir(), "sigf-")); dirs.push(d); return d; };
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe("what the signature covers", () => {
  it("the payload names every covered field, in order", () => {
    const msg = awaiting(block("203.0.113.7"), { id: "APR-1", approversRequired: 2 }, { alertId: "a-1", fingerprint: "f".repeat(64) });
    const lines = signedPayload(msg).toString("utf8").split("\n");
    expect(lines).toEqual(["secops-decision-v1", "a-1", "f".repeat(64), "BLOCK_IP", expect.stringMatching(/^[0-9a-f]{64}$/), "approval", "awaiting_approval", "APR-1", "2", "clean"]);
    expect(signedPayload(decided(block(), { tainted: true }, { alertId: "a-2" })).toString().split("\n").slice(-3)).toEqual(["-", "0", "tainted"]);
  });

  it("changing the status, the approval id, the approvers required or the taint breaks the signature", () => {
    const env = { DATA_DIR: tmp() };
    const signer = loadSigner("decider", env);
    const v = new Verifier(env);
    const msg = signer.sign(awaiting(block("203.0.113.7"), { approversRequired: 2 }));
    expect(v.verify(msg).ok).toBe(true);
    const d = msg.decision;
    const changed: [string, DecidedMessage][] = [
      ["approval id", { ...msg, decision: { ...d, approval: { ...d.approval!, id: "APR-OTHER" } } }],
      ["approvers", { ...msg, decision: { ...d, approval: { ...d.approval!, approversRequired: 1 } } }],
      ["taint", { ...msg, decision: { ...d, tainted: true } }],
      ["status", { ...msg, decision: { ...d, status: "ready" } }],
      ["garbage signature", { ...msg, signature: { ...msg.signature!, value: "not base64 at all!" } }],
    ];
    for (const [what, m] of changed) expect(v.verify(m), what).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match the decision/) });
  });

  it("who may sign what", () => {
    expect(MAY_SIGN).toEqual({ ready: ["decider"], awaiting_approval: ["decider"], approved: ["dashboard", "cli"], rejected: ["dashboard", "cli"], expired: ["responder", "dashboard", "cli"] });
  });
});

describe("trusted keys", () => {
  it("an unknown key is refused naming the trusted paths; SECOPS_TRUSTED_KEYS takes files and folders", () => {
    const a = { DATA_DIR: tmp() };
    const msg = loadSigner("decider", a).sign(decided(block()));
    const empty = tmp();
    expect(new Verifier({ SECOPS_TRUSTED_KEYS: ` ${empty} , ,/does/not/exist` }).verify(msg)).toMatchObject({ ok: false, reason: `signed with key ${msg.signature!.keyId}, which is not among the trusted keys (${empty}, /does/not/exist)` });
    expect(new Verifier({ SECOPS_TRUSTED_KEYS: join(a.DATA_DIR, "keys", "trusted") }).verify(msg).ok).toBe(true);
  });

  it("a trusted key file must be named after a signer, hold an Ed25519 public key", () => {
    const dir = tmp();
    const pub = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }) as string;
    writeFileSync(join(dir, "mallory-1.pub"), pub);
    expect(() => new Verifier({ SECOPS_TRUSTED_KEYS: dir })).toThrow(/the file name must start with the signer \(decider, dashboard, cli, responder\)/);
    const d2 = tmp();
    writeFileSync(join(d2, "decider-1.pub"), "not a key");
    expect(() => new Verifier({ SECOPS_TRUSTED_KEYS: d2 })).toThrow(/decider-1\.pub is not a public key in PEM/);
    const d3 = tmp();
    writeFileSync(join(d3, "decider-1.pub"), generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }) as string);
    expect(() => new Verifier({ SECOPS_TRUSTED_KEYS: d3 })).toThrow(/is ec, not ed25519/);
    const d4 = tmp();
    mkdirSync(join(d4, "sub"));
    writeFileSync(join(d4, "decider-1.txt"), "ignored: not .pub");
    expect(new Verifier({ SECOPS_TRUSTED_KEYS: d4 }).trusted).toEqual([]);
  });

  it("SECOPS_SIGNING_KEY must be a readable Ed25519 key; it is not written to the trusted folder", () => {
    const dir = tmp();
    expect(() => loadSigner("decider", { SECOPS_SIGNING_KEY: join(dir, "missing.pem"), DATA_DIR: dir })).toThrow(/SECOPS_SIGNING_KEY=.*missing\.pem: cannot read an Ed25519 private key/);
    const ec = join(dir, "ec.pem");
    writeFileSync(ec, generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }) as string);
    expect(() => loadSigner("decider", { SECOPS_SIGNING_KEY: ec, DATA_DIR: dir })).toThrow("the signing key of decider is ec, not ed25519");
    const ed = join(dir, "ed.pem");
    writeFileSync(ed, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string);
    const s = loadSigner("cli", { SECOPS_SIGNING_KEY: ed, DATA_DIR: dir });
    expect(s.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(new Verifier({ DATA_DIR: dir }).trusted).toEqual([]);
    const again = loadSigner("cli", { DATA_DIR: dir });
    expect(loadSigner("cli", { DATA_DIR: dir }).keyId).toBe(again.keyId); // the generated key is kept
    expect(new Verifier({ DATA_DIR: dir }).trusted).toEqual([{ signer: "cli", keyId: again.keyId }]);
  });
});
