// A burner wallet for the local node only: a keypair kept in this browser's localStorage, so
// it survives reloads (a test or a demo keeps its account). Never offered for a remote RPC.
// It signs without asking unless "ask before signing" is on: then every signature waits for
// the browser's confirm dialog, and a "Cancel" there rejects it as a real wallet would.

import {
  BaseSignerWalletAdapter,
  WalletName,
  WalletNotConnectedError,
  WalletReadyState,
  WalletSignTransactionError,
  isVersionedTransaction,
} from "@solana/wallet-adapter-base";
import { Keypair, Transaction, TransactionVersion, VersionedTransaction } from "@solana/web3.js";

/** The burner's name in the wallet list. */
export const BurnerWalletName = "Local burner" as WalletName<"Local burner">;

/** The localStorage key of the burner's secret key (JSON array of 64 bytes). */
export const BURNER_STORAGE_KEY = "keel.burner.secretKey";

const ICON =
  "data:image/svg+xml;utf8," +
  encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M8 1c2 3 5 5 5 9a5 5 0 0 1-10 0c0-2 1-3 2-4 0 2 1 3 2 3-1-3 0-6 1-8z" fill="#f97316"/></svg>');

/** The localStorage key of the "ask before signing" setting ("1" = ask). */
export const BURNER_CONFIRM_KEY = "keel.burner.confirm";

/** Whether the burner asks before it signs. */
export function burnerAsks(storage: Storage = window.localStorage): boolean {
  return storage.getItem(BURNER_CONFIRM_KEY) === "1";
}

/** Turns "ask before signing" on or off. */
export function setBurnerAsks(ask: boolean, storage: Storage = window.localStorage): void {
  if (ask) storage.setItem(BURNER_CONFIRM_KEY, "1");
  else storage.removeItem(BURNER_CONFIRM_KEY);
}

/** What the confirm dialog asks about a transaction. */
export function signPrompt(transaction: Transaction | VersionedTransaction): string {
  const count = isVersionedTransaction(transaction) ? transaction.message.compiledInstructions.length : transaction.instructions.length;
  return `Local burner: sign a transaction of ${count} instruction${count === 1 ? "" : "s"}?`;
}

/** The burner's keypair: the stored one, else a new one, stored. */
export function burnerKeypair(storage: Storage = window.localStorage): Keypair {
  const stored = storage.getItem(BURNER_STORAGE_KEY);
  if (stored) {
    try {
      return Keypair.fromSecretKey(Uint8Array.from(JSON.parse(stored) as number[]));
    } catch {
      storage.removeItem(BURNER_STORAGE_KEY);
    }
  }
  const keypair = Keypair.generate();
  storage.setItem(BURNER_STORAGE_KEY, JSON.stringify(Array.from(keypair.secretKey)));
  return keypair;
}

/** A wallet adapter over {@link burnerKeypair}: signs what it is given (after the dialog, when it asks). */
export class BurnerWalletAdapter extends BaseSignerWalletAdapter {
  name = BurnerWalletName;
  url = "https://github.com/anza-xyz/wallet-adapter";
  icon = ICON;
  readonly supportedTransactionVersions: ReadonlySet<TransactionVersion> = new Set(["legacy", 0]);
  private keypair: Keypair | null = null;

  get connecting(): boolean {
    return false;
  }

  get publicKey() {
    return this.keypair?.publicKey ?? null;
  }

  get readyState(): WalletReadyState {
    return WalletReadyState.Loadable;
  }

  async connect(): Promise<void> {
    this.keypair = burnerKeypair();
    this.emit("connect", this.keypair.publicKey);
  }

  async disconnect(): Promise<void> {
    this.keypair = null;
    this.emit("disconnect");
  }

  async signTransaction<T extends Transaction | VersionedTransaction>(transaction: T): Promise<T> {
    if (!this.keypair) throw new WalletNotConnectedError();
    if (burnerAsks() && !window.confirm(signPrompt(transaction))) throw new WalletSignTransactionError("User rejected the request.");
    if (isVersionedTransaction(transaction)) transaction.sign([this.keypair]);
    else transaction.partialSign(this.keypair);
    return transaction;
  }
}
