/** Carrier presets: what each carrier's SIP trunking documentation says to enter. The address
 * is a pattern where the carrier gives each trunk its own host. */
import type { TrunkInput } from "./api";

export interface CarrierPreset {
  key: string;
  label: string;
  /** where the admin finds the values the preset cannot know */
  help: string;
  addressPlaceholder: string;
  values: Partial<TrunkInput>;
}

const G711 = ["PCMU", "PCMA"];

export const CARRIER_PRESETS: CarrierPreset[] = [
  {
    key: "twilio",
    label: "Twilio Elastic SIP",
    help: "Termination URI from Elastic SIP Trunking → your trunk → Termination; a credential list for the username and password. Enable Call Transfer (SIP REFER) on the trunk.",
    addressPlaceholder: "your-trunk.pstn.twilio.com",
    values: { address: "your-trunk.pstn.twilio.com", transport: "tls", codecs: G711, supports_refer: true, direction: "both" },
  },
  {
    key: "telnyx",
    label: "Telnyx",
    help: "A SIP connection with credentials authentication: its username and password. Telnyx accepts SIP REFER.",
    addressPlaceholder: "sip.telnyx.com",
    values: { address: "sip.telnyx.com", transport: "tls", codecs: [...G711, "G722"], supports_refer: true, direction: "both" },
  },
  {
    key: "plivo",
    label: "Plivo",
    help: "Zentrunk → outbound trunk: the termination SIP domain and a credential; inbound: Plivo's addresses on the origination URI.",
    addressPlaceholder: "your-trunk-id.zt.plivo.com",
    values: { address: "your-trunk-id.zt.plivo.com", transport: "udp", codecs: G711, supports_refer: false, direction: "both" },
  },
  {
    key: "vonage",
    label: "Vonage",
    help: "SIP trunking with your API key as the username and the API secret as the password.",
    addressPlaceholder: "sip.nexmo.com",
    values: { address: "sip.nexmo.com", transport: "udp", codecs: G711, supports_refer: false, direction: "both" },
  },
  {
    key: "exotel",
    label: "Exotel",
    help: "Exotel vSIP: the SIP domain, and the addresses it sends calls from, as shown on the trunk's page in the Exotel dashboard (IP-based authentication).",
    addressPlaceholder: "domain from the Exotel dashboard",
    values: { address: "", transport: "tcp", codecs: ["PCMA", "PCMU"], supports_refer: false, direction: "both" },
  },
  {
    key: "vobiz",
    label: "Vobiz",
    help: "Vobiz SIP trunk: the SIP domain and the credentials shown for the trunk in the Vobiz console.",
    addressPlaceholder: "domain from the Vobiz console",
    values: { address: "", transport: "udp", codecs: ["PCMA", "PCMU"], supports_refer: false, direction: "both" },
  },
  {
    key: "generic",
    label: "Other SIP provider",
    help: "Any SIP trunk: the provider's SIP host (host:port), how it authenticates, and the codecs it offers.",
    addressPlaceholder: "sip.example.com:5060",
    values: { address: "", transport: "udp", codecs: G711, supports_refer: false, direction: "both" },
  },
];

// As LiveKit SIP names them.
export const CODECS = ["PCMU", "PCMA", "G722", "opus"];
