//! The shared scenario: SOL-PERP at 100 USD, a maker short against five longs — four near the
//! edge (one of them will be bankrupt after a shock to 90) and one healthy.

use crate::setup::{limit, Net, Trader, USDC};
use anchor_lang::prelude::Pubkey;
use keel::state::{Side, LIQUIDATION_ENDED, LIQUIDATION_NONE, QUOTE_ASSET_INDEX};

/// The price the shock moves SOL to, USD.
pub const SHOCK: f64 = 90.0;

/// Deposit (USDC) and long (lots of 0.01 SOL at 100 USD) of each trader near the edge. At 90 all
/// are below Maint (5%); the first two keep enough equity for a partial liquidation to reach
/// LiquidationEnd, the last two less than the liquidation discount and penalty on their whole
/// position, so they end bankrupt.
pub const EDGE: [(u64, i64); 4] = [(200, 1_500), (140, 1_000), (110, 1_000), (103, 1_000)];

/// The scenario's accounts.
pub struct Scenario {
    /// The node and exchange.
    pub net: Net,
    /// The short side.
    pub maker: Trader,
    /// Traders near the edge (underwater after the shock).
    pub edge: Vec<Trader>,
    /// A trader that stays healthy through the shock.
    pub healthy: Trader,
}

impl Scenario {
    /// Sets it up (the fills applied, nothing liquidatable yet).
    pub async fn new() -> Self {
        let net = Net::start().await;
        let maker = net.trader(5_000 * USDC).await;
        let healthy = net.trader(400 * USDC).await;
        let mut edge = Vec::new();
        for (deposit, _) in EDGE {
            edge.push(net.trader(deposit * USDC).await);
        }
        let total: i64 = EDGE.iter().map(|(_, lots)| lots).sum::<i64>() + 1_000;
        net.place(&maker, limit(Side::Ask, 100, total)).await;
        net.place(&healthy, limit(Side::Bid, 100, 1_000)).await;
        for (trader, (_, lots)) in edge.iter().zip(EDGE) {
            net.place(trader, limit(Side::Bid, 100, lots)).await;
        }
        net.crank().await;
        // A resting order the keeper must cancel before it may liquidate.
        net.place(&edge[0], limit(Side::Ask, 104, 100)).await;
        for trader in &edge {
            assert!(net.health_view(&trader.account).await.maint.health >= 0, "nothing is liquidatable before the shock");
        }
        Self { net, maker, edge, healthy }
    }

    /// Every account with a position (for the open-interest check), plus `keepers`.
    pub fn accounts(&self, keepers: &[Pubkey]) -> Vec<Pubkey> {
        let mut all = vec![self.maker.account, self.healthy.account];
        all.extend(self.edge.iter().map(|t| t.account));
        all.extend_from_slice(keepers);
        all
    }

    /// Whether every edge account is done: its liquidation ended (LiquidationEnd ≥ 0 by the
    /// program's view) or, bankrupt, settled to zero with nothing left.
    pub async fn all_done(&self) -> bool {
        for trader in &self.edge {
            if !self.done(&trader.account).await {
                return false;
            }
        }
        true
    }

    /// See [`Scenario::all_done`].
    pub async fn done(&self, key: &Pubkey) -> bool {
        let margin = self.net.margin(key).await;
        let settled = !margin.has_perps() && margin.units(QUOTE_ASSET_INDEX) == 0;
        if settled {
            return true;
        }
        margin.being_liquidated == LIQUIDATION_ENDED && self.net.health_view(key).await.liquidation_end.health >= 0
    }

    /// How many edge accounts ended their liquidation keeping part of their position.
    pub async fn partially_liquidated(&self) -> usize {
        let mut n = 0;
        for trader in &self.edge {
            let margin = self.net.margin(&trader.account).await;
            n += usize::from(margin.being_liquidated == LIQUIDATION_ENDED && margin.perp(0).is_some_and(|p| p.base_lots > 0));
        }
        n
    }

    /// How many edge accounts were settled as bankrupt.
    pub async fn settled(&self) -> usize {
        let mut n = 0;
        for trader in &self.edge {
            let margin = self.net.margin(&trader.account).await;
            n += usize::from(!margin.has_perps() && margin.units(QUOTE_ASSET_INDEX) == 0);
        }
        n
    }

    /// Asserts the healthy trader was left alone.
    pub async fn assert_healthy_untouched(&self) {
        let margin = self.net.margin(&self.healthy.account).await;
        assert_eq!(margin.being_liquidated, LIQUIDATION_NONE);
        assert_eq!(margin.perp(0).map(|p| p.base_lots), Some(1_000));
    }
}
