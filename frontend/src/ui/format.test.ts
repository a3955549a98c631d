import { describe, expect, it } from "vitest";
import { traceSummary } from "./format";

describe("a trace's summary line", () => {
  it("counts one node as one node, not '1 nodes'", () => {
    expect(traceSummary(1, 3.4)).toBe("Trace · 1 node · 3 ms");
    expect(traceSummary(4, 12.6)).toBe("Trace · 4 nodes · 13 ms");
  });

  it("leaves the time out when the trace has none", () => {
    expect(traceSummary(2, undefined)).toBe("Trace · 2 nodes");
    expect(traceSummary(2, null)).toBe("Trace · 2 nodes");
  });
});
