// A part of the page that failed to render (a chunk that did not load, a bug) is replaced by
// its message and a reload button; the rest of the page stays.

import { Component, ReactNode } from "react";

/** Renders `children`, or `what` failed with the error's message. */
export class ErrorBoundary extends Component<{ what: string; children: ReactNode }, { error?: Error }> {
  state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="problem" data-testid="render-error">
        <p>
          {this.props.what} failed: {this.state.error.message}
        </p>
        <button onClick={() => window.location.reload()}>Reload the page</button>
      </div>
    );
  }
}
