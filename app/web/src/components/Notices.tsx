// Messages about what the user just did (sent, confirmed, refused), and `useAction`, the one
// way a button runs a chain action: busy while it runs, its outcome posted as a notice.

import { ReactNode, createContext, useCallback, useContext, useState } from "react";
import { Problem, describeError } from "../chain/errors";
import { useExchange } from "../chain/exchange";

/** One message. */
export interface Notice {
  id: number;
  kind: "ok" | "problem";
  title: string;
  detail?: string;
}

interface NoticeApi {
  notices: Notice[];
  post(kind: Notice["kind"], title: string, detail?: string): void;
  dismiss(id: number): void;
}

const NoticeContext = createContext<NoticeApi | null>(null);
let nextId = 1;
/** How long a success stays on screen, ms (problems stay until dismissed). */
const OK_NOTICE_MS = 15_000;

/** Holds the page's notices. */
export function NoticeProvider({ children }: { children: ReactNode }) {
  const [notices, setNotices] = useState<Notice[]>([]);
  const dismiss = useCallback((id: number) => setNotices((prev) => prev.filter((n) => n.id !== id)), []);
  const post = useCallback(
    (kind: Notice["kind"], title: string, detail?: string) => {
      const id = nextId++;
      setNotices((prev) => [...prev.slice(-3), { id, kind, title, detail }]);
      if (kind === "ok") setTimeout(() => dismiss(id), OK_NOTICE_MS);
    },
    [dismiss],
  );
  return <NoticeContext.Provider value={{ notices, post, dismiss }}>{children}</NoticeContext.Provider>;
}

function useNotices(): NoticeApi {
  const api = useContext(NoticeContext);
  if (!api) throw new Error("useNotices outside NoticeProvider");
  return api;
}

/** The list of notices, newest last. */
export function Notices() {
  const { notices, dismiss } = useNotices();
  return (
    <section className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind}`} data-testid={`notice-${n.kind}`}>
          <strong>{n.title}</strong>
          {n.detail && <span> {n.detail}</span>}
          <button className="link" onClick={() => dismiss(n.id)} aria-label="dismiss">
            ×
          </button>
        </div>
      ))}
    </section>
  );
}

/** Runs chain actions for a component: `busy` while one runs; success and failure become notices. */
export function useAction(): { busy: boolean; run(label: string, action: () => Promise<string | void>): Promise<boolean> } {
  const { post } = useNotices();
  const { config, feeds } = useExchange();
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (label: string, action: () => Promise<string | void>) => {
      setBusy(true);
      try {
        const result = await action();
        post("ok", `${label}: done`, result ? result : undefined);
        return true;
      } catch (e) {
        const problem: Problem = describeError(e, config.rpcUrl, feeds);
        post("problem", `${label}: ${problem.title}`, problem.detail);
        return false;
      } finally {
        setBusy(false);
      }
    },
    [post, config.rpcUrl, feeds],
  );
  return { busy, run };
}
