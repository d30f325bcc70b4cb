// A component in a chunk of its own that renders at once when its chunk is already loaded (no
// Suspense fallback, so React's throttled reveal of suspended content never delays it), and
// through React.lazy otherwise. `preload` starts the download early (at module evaluation, or
// when the component is about to be needed). Each mounted instance keeps the form it started
// with, so a chunk arriving later never remounts it.

import { ComponentType, ReactElement, lazy, useState } from "react";

/** The component of `load`, and the function that starts loading it. */
export function loadable<P extends object>(load: () => Promise<ComponentType<P>>): { Component: (props: P) => ReactElement; preload(): Promise<unknown> } {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<ComponentType<P>> | undefined;
  const start = () => (pending ??= load().then((component) => (loaded = component)));
  const Lazy = lazy(() => start().then((component) => ({ default: component })));
  function Component(props: P) {
    const [Ready] = useState(() => loaded);
    return Ready ? <Ready {...props} /> : <Lazy {...props} />;
  }
  // A failed load is reported where the component renders (React.lazy rethrows it there).
  return { Component, preload: () => start().catch(() => undefined) };
}
