// Node's Buffer, which @solana/web3.js, Anchor and @keel/client use, as a browser global.
// Imported first by main.tsx, before any of them is evaluated.
import { Buffer } from "buffer";

const g = globalThis as unknown as { Buffer?: typeof Buffer };
g.Buffer ??= Buffer;
