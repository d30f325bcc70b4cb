import { describe, expect, it } from "vitest";
import { Fill, mergeFills } from "./fills";

const fill = (seq: number, time?: number, seenAt = 1_000): Fill => ({ seq: BigInt(seq), time, seenAt, takerSide: "buy", priceLots: 1_503_000n, baseLots: 50n });

describe("mergeFills", () => {
  it("joins an event and its queued record by sequence number, keeping the program's time", () => {
    const fromEvent = mergeFills([], [fill(7, undefined, 2_000)], 10);
    expect(fromEvent[0].time).toBeUndefined();
    const joined = mergeFills(fromEvent, [fill(7, 1_700_000_000, 2_100)], 10);
    expect(joined).toEqual([{ ...fill(7, 1_700_000_000, 2_000) }]);
    // A later event for a fill already queued does not lose the time.
    expect(mergeFills(joined, [fill(7, undefined, 3_000)], 10)[0].time).toBe(1_700_000_000);
  });
  it("lists newest first and keeps the last `limit`", () => {
    const merged = mergeFills([fill(1), fill(3)], [fill(2), fill(4)], 3);
    expect(merged.map((f) => f.seq)).toEqual([4n, 3n, 2n]);
  });
});
