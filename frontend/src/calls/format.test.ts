import { describe, expect, it } from "vitest";
import { callParties, directionLabel } from "./format";

const phone = { from_number: "+15559999", to_number: "+15550100", is_test: false, channel: "phone", tester: "", direction: "inbound" } as const;

describe("how a call is named in the history", () => {
  it("names a phone call by its numbers and direction", () => {
    expect(callParties(phone)).toBe("+15559999 → +15550100");
    expect(directionLabel({ ...phone, direction: "outbound" })).toBe("Outbound");
  });

  it("names a test from the editor by its channel and who ran it", () => {
    const chat = { ...phone, from_number: "", to_number: "", is_test: true, channel: "browser_chat", tester: "ana" } as const;
    expect(callParties(chat)).toBe("Chat test by ana");
    expect(directionLabel(chat)).toBe("Chat test");
    expect(callParties({ ...chat, channel: "browser_voice", from_number: "browser:ana" })).toBe("Voice test by ana");
    expect(callParties({ ...chat, tester: "" })).toBe("Chat test");
  });
});
