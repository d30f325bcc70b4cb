//! The one thread that owns the [`Chain`]: it runs every command in arrival order and starts a
//! new slot whenever the slot time has passed. The syscall stubs that native programs use are
//! process-global, so nothing else may execute transactions.

use crate::chain::Chain;
use crate::config::NodeConfig;
use crate::error::NodeError;
use crate::events::{ChainEvent, EVENT_BUFFER};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, oneshot};

type Job = Box<dyn FnOnce(&mut Chain) + Send>;

enum Command {
    Run(Job),
    Stop,
}

/// A handle to the executor thread; cheap to clone.
#[derive(Clone)]
pub struct Executor {
    commands: mpsc::Sender<Command>,
    events: broadcast::Sender<ChainEvent>,
}

impl Executor {
    /// Builds the chain on a new thread and starts its slot clock.
    pub fn spawn(config: &NodeConfig) -> Result<(Self, JoinHandle<()>), NodeError> {
        let (commands, receiver) = mpsc::channel::<Command>();
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), NodeError>>();
        let thread_config = config.clone();
        let thread_events = events.clone();
        let thread = std::thread::Builder::new()
            .name("keel-localnet-executor".into())
            .spawn(move || match Chain::new(&thread_config, thread_events) {
                Ok(chain) => {
                    let _ = ready_tx.send(Ok(()));
                    run_loop(chain, receiver, thread_config.slot_time);
                }
                Err(err) => {
                    let _ = ready_tx.send(Err(err));
                }
            })
            .map_err(|e| NodeError::Startup(e.to_string()))?;
        ready_rx
            .recv()
            .map_err(|_| NodeError::Startup("executor thread died while starting".into()))??;
        Ok((Self { commands, events }, thread))
    }

    /// Runs `f` on the chain and returns its result. A panic inside `f` is caught and reported
    /// as [`NodeError::Internal`]; the chain keeps running.
    pub async fn run<R, F>(&self, f: F) -> Result<R, NodeError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Chain) -> R + Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        let job: Job = Box::new(move |chain| {
            let outcome = catch_unwind(AssertUnwindSafe(|| f(chain)))
                .map_err(|panic| NodeError::Internal(panic_message(&panic)));
            let _ = reply.send(outcome);
        });
        self.commands
            .send(Command::Run(job))
            .map_err(|_| NodeError::ExecutorStopped)?;
        result.await.map_err(|_| NodeError::ExecutorStopped)?
    }

    /// A receiver of everything the chain announces from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ChainEvent> {
        self.events.subscribe()
    }

    /// Asks the thread to stop after the commands already queued.
    pub fn stop(&self) {
        let _ = self.commands.send(Command::Stop);
    }
}

fn run_loop(mut chain: Chain, commands: mpsc::Receiver<Command>, slot_time: Duration) {
    let mut next_slot = Instant::now() + slot_time;
    loop {
        if Instant::now() >= next_slot {
            if catch_unwind(AssertUnwindSafe(|| chain.advance_slot())).is_err() {
                eprintln!("keel-localnet: a slot failed to advance");
            }
            next_slot = (next_slot + slot_time).max(Instant::now());
        }
        match commands.recv_timeout(next_slot.saturating_duration_since(Instant::now())) {
            Ok(Command::Run(job)) => job(&mut chain),
            Ok(Command::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a command panicked".to_string()
    }
}
