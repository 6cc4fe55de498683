// The online providers. Adding one is one file in this folder plus one line here; it is on when
// its enabling variable (its key, or `on` for a keyless one) is set.
import type { OnlineProviderDefinition } from "../online/definition.js";
import { abuseipdb } from "./abuseipdb.js";
import { virustotal } from "./virustotal.js";
import { greynoise } from "./greynoise.js";
import { shodanInternetDb } from "./shodan-internetdb.js";
import { otx } from "./otx.js";
import { urlhaus } from "./urlhaus.js";
import { malwarebazaar } from "./malwarebazaar.js";

export const ONLINE_PROVIDERS: readonly OnlineProviderDefinition[] = [
  abuseipdb,
  virustotal,
  greynoise,
  shodanInternetDb,
  otx,
  urlhaus,
  malwarebazaar,
];
