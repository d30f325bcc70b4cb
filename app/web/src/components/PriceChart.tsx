// The oracle price as a line (lightweight-charts), one point per publish time seen live.

import { ColorType, IChartApi, ISeriesApi, LineSeries, UTCTimestamp, createChart } from "lightweight-charts";
import { useEffect, useRef } from "react";

/** A live line of `price` (a float, for drawing only) at unix `time`. */
export function PriceChart({ price, time }: { price: number; time: number }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<{ api: IChartApi; series: ISeriesApi<"Line">; last: number } | null>(null);
  useEffect(() => {
    if (!host.current) return;
    const api = createChart(host.current, {
      height: 140,
      layout: { background: { type: ColorType.Solid, color: "transparent" }, textColor: "#9aa4b2" },
      grid: { vertLines: { visible: false }, horzLines: { color: "#1f2937" } },
      timeScale: { timeVisible: true, secondsVisible: true },
    });
    chart.current = { api, series: api.addSeries(LineSeries, { color: "#60a5fa", lineWidth: 2 }), last: 0 };
    return () => {
      api.remove();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    const c = chart.current;
    if (!c || time < c.last) return;
    c.last = time;
    c.series.update({ time: time as UTCTimestamp, value: price });
  }, [price, time]);
  return <div className="chart" ref={host} data-testid="price-chart" />;
}
