// The health-accounts order without a node: slots opened as the program opens them (the held
// slot, else the first free one), in slot order, assets before markets, no oracle for a
// Fixed-price asset; and the vectors the Rust client writes (app/client/tests/health_vectors.rs,
// checked there against tests/vectors/health-accounts.json), which the TypeScript twin must
// reproduce.

import { BorshCoder, Idl } from "@anchor-lang/core";
import { PublicKey } from "@solana/web3.js";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { IDL, KnownAsset, KnownMarket, MarginAccount, accountSize, healthAccountsOf, healthSlots, tradeHealthAccounts } from "../src";

const coder = new BorshCoder(IDL as unknown as Idl);
const key = (n: number) => new PublicKey(Buffer.alloc(32, n));

/** A zeroed margin account (every slot free), decoded by the IDL coder. */
function emptyAccount(): MarginAccount {
  return coder.types.decode("marginAccount", Buffer.alloc(accountSize("marginAccount") - 8));
}

function asset(index: number, fixed: boolean): KnownAsset {
  return { address: key(10 + index), asset: { index, oracleKind: fixed ? 0 : 1, oracle: key(20 + index) } as KnownAsset["asset"] };
}

function market(index: number): KnownMarket {
  return { address: key(30 + index), market: { index, oracle: key(40 + index) } as KnownMarket["market"] };
}

describe("health accounts order (no node)", () => {
  const assets = [asset(0, true), asset(1, false), asset(2, false)];
  const markets = [market(0), market(1)];

  it("lists in-use collateral slots in slot order, then perp slots, each with its oracle", () => {
    const acct = emptyAccount();
    acct.collaterals[0].inUse = 1;
    acct.collaterals[0].assetIndex = 2;
    acct.collaterals[3].inUse = 1;
    acct.collaterals[3].assetIndex = 0;
    acct.perps[1].inUse = 1;
    acct.perps[1].marketIndex = 1;
    const metas = healthAccountsOf(healthSlots(acct), assets, markets);
    expect(metas.map((m) => m.pubkey.toBase58())).to.deep.equal([key(12), key(22), key(10), key(31), key(41)].map((k) => k.toBase58()));
    expect(metas.every((m) => !m.isSigner && !m.isWritable)).to.equal(true);
  });

  it("opens the quote slot and the market's slot in the first free slots for a trade", () => {
    const acct = emptyAccount();
    acct.collaterals[1].inUse = 1;
    acct.collaterals[1].assetIndex = 1;
    acct.perps[0].inUse = 1;
    acct.perps[0].marketIndex = 1;
    expect(healthSlots(acct, [0], [0])).to.deep.equal({ collaterals: [0, 1], perps: [1, 0] });
    const metas = tradeHealthAccounts(acct, assets, markets, 0);
    expect(metas.map((m) => m.pubkey.toBase58())).to.deep.equal([key(10), key(11), key(21), key(31), key(41), key(30), key(40)].map((k) => k.toBase58()));
    // A slot already held is not opened twice.
    expect(healthSlots(acct, [1], [1])).to.deep.equal({ collaterals: [1], perps: [1] });
  });

  it("refuses to open a slot when all are in use, and names an unknown asset", () => {
    const acct = emptyAccount();
    acct.collaterals.forEach((c, i) => ((c.inUse = 1), (c.assetIndex = 10 + i)));
    expect(() => healthSlots(acct, [0])).to.throw("no free collateral slot");
    expect(() => healthAccountsOf({ collaterals: [7], perps: [] }, assets, markets)).to.throw("asset 7");
  });
});

interface Vectors {
  assets: { index: number; fixed: boolean; address: string; oracle: string }[];
  markets: { index: number; address: string; oracle: string }[];
  cases: { name: string; collaterals: [number, number][]; perps: [number, number][]; openAsset: number | null; openMarket: number | null; accounts: string[] }[];
}

describe("health accounts order: the Rust client's vectors (keel_client::health::health_accounts_opening)", () => {
  const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, "vectors", "health-accounts.json"), "utf8")) as Vectors;
  const assets: KnownAsset[] = vectors.assets.map((a) => ({
    address: new PublicKey(a.address),
    asset: { index: a.index, oracleKind: a.fixed ? 0 : 1, oracle: new PublicKey(a.oracle) } as KnownAsset["asset"],
  }));
  const markets: KnownMarket[] = vectors.markets.map((m) => ({
    address: new PublicKey(m.address),
    market: { index: m.index, oracle: new PublicKey(m.oracle) } as KnownMarket["market"],
  }));

  it("has cases", () => expect(vectors.cases.length).to.be.at.least(5));
  for (const c of vectors.cases) {
    it(c.name, () => {
      const acct = emptyAccount();
      for (const [slot, index] of c.collaterals) Object.assign(acct.collaterals[slot], { inUse: 1, assetIndex: index });
      for (const [slot, index] of c.perps) Object.assign(acct.perps[slot], { inUse: 1, marketIndex: index });
      // health_accounts_opening always opens the quote slot first.
      const openAssets = [0, ...(c.openAsset === null ? [] : [c.openAsset])];
      const openMarkets = c.openMarket === null ? [] : [c.openMarket];
      const metas = healthAccountsOf(healthSlots(acct, openAssets, openMarkets), assets, markets);
      expect(metas.map((m) => m.pubkey.toBase58())).to.deep.equal(c.accounts);
    });
  }
});
