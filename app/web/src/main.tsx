// The dApp's entry: Node globals first (polyfills), then the app.
import "./polyfills";
import { createRoot } from "react-dom/client";
import { App } from "./components/App";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
createRoot(root).render(<App />);
