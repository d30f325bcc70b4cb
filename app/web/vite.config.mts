// Vite builds the dApp as a static bundle (dist/); vitest runs the unit and component tests
// (src/**/*.test.ts[x]) in Node. @keel/client is the workspace's TypeScript source, bundled as is.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  define: { "process.env.NODE_DEBUG": "false" },
  build: { chunkSizeWarningLimit: 2_000, sourcemap: false },
  preview: { host: "127.0.0.1" },
  server: { host: "127.0.0.1" },
  test: { include: ["src/**/*.test.ts", "src/**/*.test.tsx"], environment: "node" },
});
