// Ed25519 signatures on what makes the responder act: the decider signs each decision, the
// dashboard and the CLI sign each approval outcome, the responder signs the expiries it
// publishes. The signature covers the alert id and fingerprint, the action and the digest of
// its exact parameters, the mode, the approval state and the approval id, so a copied decision
// cannot be retargeted, moved to another alert, switched to auto, or marked approved.
//
// Keys (node:crypto, no dependency):
//   private: SECOPS_SIGNING_KEY (a PKCS#8 PEM file) or DATA_DIR/keys/<signer>.pem, generated on
//            first use when neither exists;
//   public:  SECOPS_TRUSTED_KEYS (comma-separated files or folders) or DATA_DIR/keys/trusted/,
//            one `<signer>-<keyid>.pub` SPKI PEM file per accepted key. Several keys per signer
//            may be trusted at once: that is how a key is rotated (add the new public key, switch
//            the signer, remove the old public key).
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as edSign, verify as edVerify, type KeyObject } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { actionDigest, type DecidedMessage, type DecisionSignature } from "@secops/contracts";
import { sha256Hex } from "../shared/hash.js";

export const SIGNERS = ["decider", "dashboard", "cli", "responder"] as const;
export type SignerName = (typeof SIGNERS)[number];
type Status = DecidedMessage["decision"]["status"];

/** Which signer may sign which decision state. */
export const MAY_SIGN: Record<Status, readonly SignerName[]> = {
  ready: ["decider"],
  awaiting_approval: ["decider"],
  approved: ["dashboard", "cli"],
  rejected: ["dashboard", "cli"],
  expired: ["responder", "dashboard", "cli"],
};

/** The exact bytes signed. Any change to one of these fields breaks the signature. */
export function signedPayload(msg: DecidedMessage): Buffer {
  const d = msg.decision;
  return Buffer.from([
    "secops-decision-v1", msg.alertId, msg.alert.fingerprint, d.action, actionDigest(d.parameters),
    d.mode, d.status, d.approval?.id ?? "-", String(d.approval?.approversRequired ?? 0), d.tainted ? "tainted" : "clean",
  ].join("\n"), "utf8");
}

export function keyIdOf(pub: KeyObject): string {
  return sha256Hex(pub.export({ type: "spki", format: "der" })).slice(0, 16);
}

export interface Signer {
  name: SignerName;
  keyId: string;
  publicKey: KeyObject;
  /** A copy of the message carrying this signer's signature (any earlier one is replaced). */
  sign(msg: DecidedMessage): DecidedMessage;
}

function keysDir(env: NodeJS.ProcessEnv): string {
  return join(resolve(env.DATA_DIR || "data"), "keys");
}

/** Writes a file only when it does not exist yet, atomically (a reader never sees half of it). */
function createOnce(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, text, { mode });
  try {
    linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/** The signer's key: SECOPS_SIGNING_KEY, or DATA_DIR/keys/<name>.pem (generated, and its public key trusted, on first use). */
export function loadSigner(name: SignerName, env: NodeJS.ProcessEnv = process.env): Signer {
  let privateKey: KeyObject;
  const configured = env.SECOPS_SIGNING_KEY;
  if (configured) {
    try {
      privateKey = createPrivateKey(readFileSync(configured));
    } catch (e) {
      throw new Error(`SECOPS_SIGNING_KEY=${configured}: cannot read an Ed25519 private key (PKCS#8 PEM) there: ${(e as Error).message}`);
    }
  } else {
    const dir = keysDir(env);
    const file = join(dir, `${name}.pem`);
    if (!existsSync(file)) {
      mkdirSync(join(dir, "trusted"), { recursive: true, mode: 0o700 });
      const pair = generateKeyPairSync("ed25519");
      createOnce(file, pair.privateKey.export({ type: "pkcs8", format: "pem" }) as string, 0o600);
    }
    privateKey = createPrivateKey(readFileSync(file));
  }
  if (privateKey.asymmetricKeyType !== "ed25519") throw new Error(`the signing key of ${name} is ${privateKey.asymmetricKeyType}, not ed25519`);
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  if (!configured) {
    // Trust our own key locally, so the demo needs no step; a real deployment lists keys in SECOPS_TRUSTED_KEYS.
    const trusted = join(keysDir(env), "trusted");
    mkdirSync(trusted, { recursive: true, mode: 0o700 });
    const pubFile = join(trusted, `${name}-${keyId}.pub`);
    if (!existsSync(pubFile)) createOnce(pubFile, publicKey.export({ type: "spki", format: "pem" }) as string, 0o644);
  }
  return {
    name, keyId, publicKey,
    sign(msg) {
      const value = edSign(null, signedPayload(msg), privateKey).toString("base64");
      const signature: DecisionSignature = { alg: "ed25519", signer: name, keyId, value };
      return { ...msg, signature };
    },
  };
}

interface TrustedKey {
  signer: SignerName;
  keyId: string;
  key: KeyObject;
  file: string;
}

export type Verdict = { ok: true; signer: SignerName; keyId: string } | { ok: false; reason: string };

function readTrusted(paths: string[]): Map<string, TrustedKey> {
  const out = new Map<string, TrustedKey>();
  const files: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) continue;
    if (statSync(p).isDirectory()) files.push(...readdirSync(p).filter((f) => f.endsWith(".pub")).map((f) => join(p, f)));
    else files.push(p);
  }
  for (const file of files) {
    const m = /^([a-z]+)-/.exec(basename(file));
    const signer = m?.[1] as SignerName | undefined;
    if (!signer || !(SIGNERS as readonly string[]).includes(signer)) throw new Error(`trusted key ${file}: the file name must start with the signer (${SIGNERS.join(", ")}) and '-', e.g. decider-<keyid>.pub`);
    let key: KeyObject;
    try {
      key = createPublicKey(readFileSync(file));
    } catch (e) {
      throw new Error(`trusted key ${file} is not a public key in PEM: ${(e as Error).message}`);
    }
    if (key.asymmetricKeyType !== "ed25519") throw new Error(`trusted key ${file} is ${key.asymmetricKeyType}, not ed25519`);
    const keyId = keyIdOf(key);
    out.set(keyId, { signer, keyId, key, file });
  }
  return out;
}

/** Checks signatures against the trusted public keys; re-reads them when an unknown key id shows up (a few small files). */
export class Verifier {
  private keys = new Map<string, TrustedKey>();
  private readonly paths: string[];

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const configured = env.SECOPS_TRUSTED_KEYS;
    this.paths = configured ? configured.split(",").map((s) => s.trim()).filter(Boolean) : [join(keysDir(env), "trusted")];
    this.reload();
  }

  private reload(): void {
    this.keys = readTrusted(this.paths);
  }

  get trusted(): { signer: SignerName; keyId: string }[] {
    return [...this.keys.values()].map((k) => ({ signer: k.signer, keyId: k.keyId }));
  }

  verify(msg: DecidedMessage): Verdict {
    const s = msg.signature;
    const status = msg.decision.status;
    if (!s) return { ok: false, reason: `unsigned ${status} decision: only signed decisions are executed (signers: decider for decisions, dashboard or CLI for approvals)` };
    let k = this.keys.get(s.keyId);
    // An unknown key may be one trusted since we last looked (a signer that started after us):
    // read the trusted keys again. A signer writes its public key before it signs anything.
    if (!k) {
      this.reload();
      k = this.keys.get(s.keyId);
    }
    if (!k) return { ok: false, reason: `signed with key ${s.keyId.slice(0, 32)}, which is not among the trusted keys (${this.paths.join(", ")})` };
    if (k.signer !== s.signer) return { ok: false, reason: `key ${k.keyId} belongs to ${k.signer}, but the signature claims ${String(s.signer).slice(0, 32)}` };
    if (!MAY_SIGN[status].includes(k.signer)) return { ok: false, reason: `${k.signer} may not sign a ${status} decision (allowed: ${MAY_SIGN[status].join(", ")})` };
    let good = false;
    try {
      good = edVerify(null, signedPayload(msg), k.key, Buffer.from(s.value, "base64"));
    } catch {
      good = false;
    }
    if (!good) return { ok: false, reason: `the signature of ${k.signer} (key ${k.keyId}) does not match the decision: alert, action, target, mode or approval state were changed after signing` };
    return { ok: true, signer: k.signer, keyId: k.keyId };
  }
}
