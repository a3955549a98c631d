import { describe, expect, it } from "vitest";
import { activeTurnAt, clockOf, turnOffset } from "./playback";

const START = "2026-12-01T10:00:00.000Z";
const turns = [
  { sequence: 0, started_at: "2026-12-01T10:00:01.500Z" },
  { sequence: 1, started_at: "2026-12-01T10:00:09.000Z" },
  { sequence: 2, started_at: "2026-12-01T10:00:20.250Z" },
];

describe("the transcript follows the recording", () => {
  it("places each turn at its offset in the file", () => {
    expect(turnOffset({ sequence: 1, started_at: "2026-12-01T10:00:09.000Z" }, START)).toBe(9);
  });

  it("highlights the last turn that has begun at the playhead", () => {
    expect(activeTurnAt(turns, START, 0.5)).toBeNull();
    expect(activeTurnAt(turns, START, 1.5)).toBe(0);
    expect(activeTurnAt(turns, START, 8.99)).toBe(0);
    expect(activeTurnAt(turns, START, 9)).toBe(1);
    expect(activeTurnAt(turns, START, 600)).toBe(2);
  });

  it("does not depend on the order the turns come in", () => {
    expect(activeTurnAt([...turns].reverse(), START, 10)).toBe(1);
  });

  it("shows the playhead as minutes and seconds", () => {
    expect(clockOf(0)).toBe("0:00");
    expect(clockOf(65.9)).toBe("1:05");
    expect(clockOf(-3)).toBe("0:00");
  });
});
