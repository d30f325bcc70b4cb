// Vite builds the dApp as a static bundle (dist/); vitest runs the unit and component tests
// (src/**/*.test.ts[x]) in Node. @keel/client is the workspace's TypeScript source, bundled as is.
//
// Chunks: the page's entry (the exchange, the markets, the protocol panel) loads react, web3.js
// and Anchor with Keel's IDL, split into vendor chunks that download in parallel; the wallet
// side (the wallet adapter and what it brings), the trader's panels and the price chart
// (lightweight-charts) are dynamic imports, each with the libraries only it uses.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

/** Vendor chunks by package; `entriesAware` keeps a lazy chunk's own libraries out of the entry's. */
const VENDOR_GROUPS = [
  { name: "react", test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 3 },
  { name: "anchor", test: /node_modules[\\/](@anchor-lang|pako)[\\/]|app[\\/]ts-client[\\/]/, priority: 2, entriesAware: true },
  { name: "vendor", test: /node_modules[\\/]/, priority: 1, entriesAware: true },
];

export default defineConfig({
  plugins: [react()],
  define: { "process.env.NODE_DEBUG": "false" },
  build: {
    chunkSizeWarningLimit: 600,
    sourcemap: false,
    rolldownOptions: { output: { strictExecutionOrder: true, codeSplitting: { includeDependenciesRecursively: false, groups: VENDOR_GROUPS } } },
  },
  preview: { host: "127.0.0.1" },
  server: { host: "127.0.0.1" },
  test: { include: ["src/**/*.test.ts", "src/**/*.test.tsx"], environment: "node" },
});
