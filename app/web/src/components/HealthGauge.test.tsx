import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { HealthGauge, healthRatioBps } from "./HealthGauge";

describe("HealthGauge", () => {
  it("shows health as a share of weighted assets", () => {
    expect(healthRatioBps(5_591_930_000n, 5_599_660_000n)).toBe(9_986);
    const html = renderToStaticMarkup(<HealthGauge label="Init" health={2_500_000n} assets={10_000_000n} />);
    expect(html).toContain("25.0%");
    expect(html).toContain('aria-valuenow="25"');
    expect(html).toContain("gauge good");
  });
  it("says below 0 for a negative health and clamps the bar", () => {
    const html = renderToStaticMarkup(<HealthGauge label="Maint" health={-1n} assets={10n} />);
    expect(html).toContain("below 0");
    expect(html).toContain("width:0%");
    expect(html).toContain("gauge bad");
  });
  it("handles an empty account", () => {
    expect(healthRatioBps(0, 0)).toBe(0);
  });
});
