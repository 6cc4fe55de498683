// The trust module's public surface (`@secops/agents/trust`): what the dashboard needs to sign
// approval outcomes with its own key and to read and set the kill switch.
export { loadSigner, type SignerName } from "./signing.js";
export { TrustState } from "./state.js";
