import { describe, expect, it } from "vitest";
import { pastedNumbers } from "./campaignsApi";

describe("pastedNumbers", () => {
  it("reads one number a line, or a spreadsheet's cells, keeping the spaces inside a number", () => {
    expect(pastedNumbers("+1 212 555 0100\r\n\n  +33 6 12 34 56 78 \n")).toEqual(["+1 212 555 0100", "+33 6 12 34 56 78"]);
    expect(pastedNumbers("+12125550100,+12125550101;+12125550102\t+12125550103")).toEqual(["+12125550100", "+12125550101", "+12125550102", "+12125550103"]);
  });

  it("keeps what is not a number, for the server to name back", () => {
    expect(pastedNumbers("call me maybe\n+12125550100")).toEqual(["call me maybe", "+12125550100"]);
    expect(pastedNumbers(" \n , ")).toEqual([]);
  });
});
