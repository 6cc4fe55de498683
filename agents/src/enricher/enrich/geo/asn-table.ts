// The packaged IP-to-ASN table (@ip-location-db/asn, CSV: first,last,asn,organisation). No ASN
// database on the npm registry is an mmdb, so the CSV is read once into sorted typed arrays and
// searched by binary search: about 0.3 s and 10 MB for ~410k IPv4 and ~100k IPv6 ranges.
import { readFileSync } from "node:fs";
import ipaddr from "ipaddr.js";

export interface AsnHit { asn: number; org: string | null }

class RangeTable<N extends number> {
  constructor(
    private readonly starts: ArrayLike<N>,
    private readonly ends: ArrayLike<N>,
    private readonly asns: Uint32Array,
    private readonly orgIndex: Uint32Array,
    private readonly orgs: string[],
  ) {}

  get size(): number { return this.asns.length; }

  find(n: N): AsnHit | null {
    let lo = 0;
    let hi = this.asns.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! > n) hi = mid - 1;
      else if (this.ends[mid]! < n) lo = mid + 1;
      else return { asn: this.asns[mid]!, org: this.orgs[this.orgIndex[mid]!] || null };
    }
    return null;
  }
}

/** IPv6 bounds as two 64-bit halves in typed arrays: no BigInt object per range on the heap. */
class Range6Table {
  constructor(
    private readonly startHi: BigUint64Array, private readonly startLo: BigUint64Array,
    private readonly endHi: BigUint64Array, private readonly endLo: BigUint64Array,
    private readonly asns: Uint32Array, private readonly orgIndex: Uint32Array, private readonly orgs: string[],
  ) {}

  get size(): number { return this.asns.length; }

  find(n: bigint): AsnHit | null {
    const hi = n >> 64n;
    const lo = n & 0xffff_ffff_ffff_ffffn;
    let a = 0;
    let b = this.asns.length - 1;
    while (a <= b) {
      const mid = (a + b) >>> 1;
      const sh = this.startHi[mid]!, sl = this.startLo[mid]!, eh = this.endHi[mid]!, el = this.endLo[mid]!;
      if (sh > hi || (sh === hi && sl > lo)) b = mid - 1;
      else if (eh < hi || (eh === hi && el < lo)) a = mid + 1;
      else return { asn: this.asns[mid]!, org: this.orgs[this.orgIndex[mid]!] || null };
    }
    return null;
  }
}

/**
 * Rows are `first,last,asn,organisation`; only the organisation may be quoted (it can hold commas,
 * with "" for a quote), so the first three fields are found with indexOf, which keeps start-up fast.
 */
function readRows(path: string, onRow: (first: string, last: string, asn: number, org: string) => void): void {
  const text = readFileSync(path, "utf8");
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const c1 = text.indexOf(",", start);
    const c2 = c1 < 0 ? -1 : text.indexOf(",", c1 + 1);
    const c3 = c2 < 0 ? -1 : text.indexOf(",", c2 + 1);
    if (end - start > 1) {
      const asn = c3 > 0 && c3 < end ? Number(text.slice(c2 + 1, c3)) : NaN;
      if (!Number.isInteger(asn) || asn < 0) throw new Error(`${path}: expected first,last,asn,organisation; got "${text.slice(start, Math.min(end, start + 80))}"`);
      let org = text.slice(c3 + 1, text[end - 1] === "\r" ? end - 1 : end);
      if (org.startsWith('"')) org = org.slice(1, org.endsWith('"') ? -1 : undefined).replace(/""/g, '"');
      onRow(text.slice(start, c1), text.slice(c1 + 1, c2), asn, org);
    }
    start = end + 1;
  }
}

function ipv6ToBigInt(text: string): bigint {
  return ipaddr.IPv6.parse(text).toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n);
}

export class AsnTable {
  private constructor(private readonly v4: RangeTable<number>, private readonly v6: Range6Table) {}

  get size(): number { return this.v4.size + this.v6.size; }

  /** Reads `<dir>/asn-ipv4-num.csv` and `<dir>/asn-ipv6-num.csv` (bounds as decimal numbers). */
  static load(dir: string): AsnTable {
    const orgs: string[] = [];
    const orgIds = new Map<string, number>();
    const orgId = (org: string) => {
      let id = orgIds.get(org);
      // A copy, not a slice: a sliced string would keep the whole CSV text alive.
      if (id === undefined) { id = orgs.length; orgs.push(Buffer.from(org, "utf8").toString("utf8")); orgIds.set(org, id); }
      return id;
    };
    const s4: number[] = [], e4: number[] = [], a4: number[] = [], o4: number[] = [];
    readRows(`${dir}/asn-ipv4-num.csv`, (first, last, asn, org) => { s4.push(Number(first)); e4.push(Number(last)); a4.push(asn); o4.push(orgId(org)); });
    const s6: bigint[] = [], e6: bigint[] = [], a6: number[] = [], o6: number[] = [];
    readRows(`${dir}/asn-ipv6-num.csv`, (first, last, asn, org) => { s6.push(BigInt(first)); e6.push(BigInt(last)); a6.push(asn); o6.push(orgId(org)); });
    const hi = (v: bigint[]) => BigUint64Array.from(v, (x) => x >> 64n);
    const lo = (v: bigint[]) => BigUint64Array.from(v, (x) => x & 0xffff_ffff_ffff_ffffn);
    return new AsnTable(
      new RangeTable(Float64Array.from(s4), Float64Array.from(e4), Uint32Array.from(a4), Uint32Array.from(o4), orgs),
      new Range6Table(hi(s6), lo(s6), hi(e6), lo(e6), Uint32Array.from(a6), Uint32Array.from(o6), orgs),
    );
  }

  lookup(ip: string): AsnHit | null {
    if (!ipaddr.isValid(ip)) return null;
    const addr = ipaddr.process(ip);
    if (addr.kind() === "ipv4") return this.v4.find(addr.toByteArray().reduce((n, b) => n * 256 + b, 0));
    return this.v6.find(ipv6ToBigInt(addr.toString()));
  }
}
