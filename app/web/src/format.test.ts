import { describe, expect, it } from "vitest";
import {
  baseLotsToSize,
  entryPriceUsd,
  bpsToPercent,
  formatDuration,
  formatFixed,
  formatUnits,
  formatUtcTime,
  lotDigits,
  marketUnits,
  nativePriceToUsd,
  parseFixedDisplay,
  parseUnits,
  perLotToUsd,
  priceLotsToUsd,
  ratioToDecimal,
  shortKey,
  sizeToBaseLots,
  usdToPriceLots,
} from "./format";

// SOL-PERP of migrations/config/localnet.json: 9 base decimals, 0.01 SOL lots, 1 quote native tick, USDC 6 decimals.
const SOL_PERP = marketUnits({ baseDecimals: 9, baseLotSize: 10_000_000, quoteLotSize: 1 }, 6);
// BTC-PERP: 8 base decimals, 0.0001 BTC lots.
const BTC_PERP = marketUnits({ baseDecimals: 8, baseLotSize: 10_000, quoteLotSize: 1 }, 6);

describe("token amounts", () => {
  it("formats native amounts in whole tokens with the mint's decimals", () => {
    expect(formatUnits(5_000_000_000n, 6, 2)).toBe("5,000.00");
    expect(formatUnits(1_500_000_000n, 9, 4)).toBe("1.5000");
    expect(formatUnits("-37353422", 6, 2)).toBe("\u221237.35");
    expect(formatUnits(0, 6, 2)).toBe("0.00");
    expect(formatUnits(1n, 6)).toBe("0.000001");
  });
  it("rounds half away from zero and never prints a minus zero", () => {
    expect(formatUnits(5_005n, 3, 2)).toBe("5.01");
    expect(formatUnits(-5_005n, 3, 2)).toBe("\u22125.01");
    expect(formatUnits(-4n, 3, 2)).toBe("0.00");
  });
  it("parses typed amounts exactly and refuses what the mint cannot hold", () => {
    expect(parseUnits("1.5", 9)).toBe(1_500_000_000n);
    expect(parseUnits("1,000", 6)).toBe(1_000_000_000n);
    expect(parseUnits(".25", 6)).toBe(250_000n);
    expect(() => parseUnits("1.0000001", 6)).toThrow(/more than 6 decimals/);
    expect(() => parseUnits("-1", 6)).toThrow(/not a positive decimal/);
    expect(() => parseUnits("", 6)).toThrow(/not a positive decimal/);
    expect(() => parseUnits("abc", 6)).toThrow(/not a positive decimal/);
  });
  it("divides exactly for ratios and refuses a zero denominator", () => {
    expect(ratioToDecimal(1, 3, 4)).toBe("0.3333");
    expect(ratioToDecimal(2, -3, 2)).toBe("\u22120.67");
    expect(() => ratioToDecimal(1, 0, 2)).toThrow(/division by zero/);
  });
});

describe("market units", () => {
  it("shows prices per whole base token, not per lot", () => {
    // 1 500 650 quote native per 0.01 SOL lot = 150.065 USDC per SOL
    expect(priceLotsToUsd(1_500_650n, SOL_PERP, 3)).toBe("150.065");
    expect(perLotToUsd(1_500_724n, SOL_PERP, 2)).toBe("150.07");
    // 6 000 000 quote native per 0.0001 BTC lot = 60 000 USDC per BTC
    expect(priceLotsToUsd(6_000_000n, BTC_PERP, 0)).toBe("60,000");
  });
  it("turns a typed price into lots, rounding in the trader's favour", () => {
    expect(usdToPriceLots("150.065", SOL_PERP, "down")).toBe(1_500_650n);
    expect(usdToPriceLots("150.0655", SOL_PERP, "down")).toBe(1_500_655n);
    expect(usdToPriceLots("60000.00005", BTC_PERP, "down")).toBe(6_000_000n);
    expect(usdToPriceLots("60000.00005", BTC_PERP, "up")).toBe(6_000_001n);
    expect(() => usdToPriceLots("0.00001", BTC_PERP, "down")).toThrow(/below the market's tick/);
  });
  it("turns sizes into whole lots and back", () => {
    expect(sizeToBaseLots("0.5", SOL_PERP)).toBe(50n);
    expect(baseLotsToSize(50n, SOL_PERP)).toBe("0.50");
    expect(baseLotsToSize(-3n, BTC_PERP)).toBe("\u22120.0003");
    expect(lotDigits(SOL_PERP)).toBe(2);
    expect(() => sizeToBaseLots("0.005", SOL_PERP)).toThrow(/multiple of the lot, 0.01/);
  });
  it("shows a position's entry price from the quote paid for it", () => {
    // long 50 lots (0.5 SOL) for 75.0325 USDC: 150.065 per SOL; short 50 lots for +75.0325: the same
    expect(entryPriceUsd(-75_032_500n, 50n, SOL_PERP, 3)).toBe("150.065");
    expect(entryPriceUsd(75_032_500n, -50n, SOL_PERP, 3)).toBe("150.065");
    expect(entryPriceUsd(0n, 0n, SOL_PERP)).toBeUndefined();
  });
  it("converts the report's Fixed native prices to quote per whole token", () => {
    // 0.15007 quote native per lamport (Fixed raw) = 150.07 USDC per SOL
    expect(nativePriceToUsd(150_070_000_000_000_000n, 9, 6, 2)).toBe("150.07");
    expect(nativePriceToUsd(10n ** 18n, 6, 6, 2)).toBe("1.00");
  });
});

describe("other units", () => {
  it("formats Fixed values, basis points and keys", () => {
    expect(formatFixed(1_250_000_000_000_000_000n, 2)).toBe("1.25");
    expect(bpsToPercent(1000)).toBe("10.00%");
    expect(bpsToPercent(-1, 2)).toBe("\u22120.01%");
    expect(shortKey("DkfecH9419iUBRsz9ZdPqXpJtjL1FVKasU1RcHbkqajN")).toBe("DkfecH…qajN");
  });
  it("reads the program's Fixed display format from its logs", () => {
    expect(parseFixedDisplay("-37353421.5")).toBe(-37_353_421_500_000_000_000_000_000n);
    expect(parseFixedDisplay("12")).toBe(12n * 10n ** 18n);
    expect(() => parseFixedDisplay("1e5")).toThrow(/not a Fixed decimal/);
  });
});

describe("time", () => {
  it("writes durations in days, hours, minutes and seconds", () => {
    expect(formatDuration(86_400)).toBe("1 d");
    expect(formatDuration(3_660n)).toBe("1 h 1 min");
    expect(formatDuration(2_678_400)).toBe("31 d");
    expect(formatDuration(59)).toBe("59 s");
    expect(formatDuration(0)).toBe("0 s");
    expect(() => formatDuration(-1)).toThrow();
  });
  it("writes unix times as UTC wall-clock times", () => {
    expect(formatUtcTime(0)).toBe("00:00:00 UTC");
    expect(formatUtcTime(1_700_000_005n)).toBe("22:13:25 UTC");
  });
});
