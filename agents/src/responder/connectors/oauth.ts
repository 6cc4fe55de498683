// OAuth2 client-credentials tokens, cached until shortly before they expire so that a burst
// of actions does not fetch one token each.
import { ConnectorError, httpCall } from "./http.js";

export class ClientCredentials {
  private token: { value: string; until: number } | null = null;

  constructor(private readonly o: { connector: string; tokenUrl: string; form: Record<string, string>; timeoutMs: number }) {}

  async bearer(): Promise<string> {
    if (this.token && Date.now() < this.token.until) return this.token.value;
    const res = await httpCall({
      connector: this.o.connector, method: "POST", url: this.o.tokenUrl, timeoutMs: this.o.timeoutMs,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(this.o.form).toString(),
    });
    const body = res.json<{ access_token?: unknown; expires_in?: unknown }>();
    if (typeof body.access_token !== "string" || !body.access_token) {
      throw new ConnectorError(`${this.o.connector}: the token endpoint answered without an access_token`, false);
    }
    const ttl = typeof body.expires_in === "number" ? body.expires_in : Number(body.expires_in ?? 300);
    this.token = { value: body.access_token, until: Date.now() + Math.max(0, (Number.isFinite(ttl) ? ttl : 300) - 60) * 1000 };
    return this.token.value;
  }
}
