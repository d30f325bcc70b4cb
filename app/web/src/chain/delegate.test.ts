import { describe, expect, it } from "vitest";
import { delegateBounds, delegateDefaults } from "./delegate";

describe("delegate bounds", () => {
  it("reads the bounds the program states in its error message (the IDL's), and starts inside them", () => {
    const bounds = delegateBounds();
    expect(bounds, "the program's InvalidDelegateLimits message no longer states its bounds").toBeDefined();
    const [lo, hi] = bounds!.slippageBps;
    const [periodLo, periodHi] = bounds!.periodSecs;
    expect(lo).toBeLessThanOrEqual(hi);
    expect(periodLo).toBeLessThanOrEqual(periodHi);
    const defaults = delegateDefaults(bounds, 6);
    expect(defaults.slippageBps).toBeGreaterThanOrEqual(lo);
    expect(defaults.slippageBps).toBeLessThanOrEqual(hi);
    expect(defaults.periodSecs).toBeGreaterThanOrEqual(periodLo);
    expect(defaults.periodSecs).toBeLessThanOrEqual(periodHi);
    expect(defaults.lossLimit).toBe(100_000_000n);
  });
  it("moves the defaults inside narrower bounds", () => {
    const bounds = delegateBounds("delegate limits out of bounds: slippage 5..=50 bps, period 600..=3600 s");
    expect(bounds).toEqual({ slippageBps: [5, 50], periodSecs: [600, 3600] });
    expect(delegateDefaults(bounds, 6)).toMatchObject({ slippageBps: 50, periodSecs: 3600 });
    expect(delegateBounds("something else")).toBeUndefined();
  });
});
