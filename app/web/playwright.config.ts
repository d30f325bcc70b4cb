// Playwright drives Debian's Chromium (/usr/bin/chromium, installed by scripts/chromium.sh; never
// `npx playwright install`) against the built app (dist/, served by `vite preview`) and a fresh
// keel-localnet that the spec starts on free ports.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "tests/e2e",
  timeout: 240_000,
  expect: { timeout: 20_000 },
  workers: 1,
  reporter: [["list"]],
  outputDir: "test-results/playwright",
  use: {
    browserName: "chromium",
    viewport: { width: 1360, height: 1000 },
    launchOptions: {
      executablePath: process.env.KEEL_CHROMIUM ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
    trace: "off",
  },
});
