// JSON-RPC calls web3.js has no method for: the local node's operator methods (keel_mintTo).

/** An error answered by the node (JSON-RPC `error`). */
export class RpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(`${method}: ${message}`);
  }
}

/** Calls `method` on the JSON-RPC endpoint `url`; throws {@link RpcError} or "unreachable". */
export async function rpcCall<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
  } catch (e) {
    throw new Error(`the RPC at ${url} is unreachable (${(e as Error).message})`);
  }
  const body = (await response.json()) as { result?: T; error?: { code: number; message: string } };
  if (body.error) throw new RpcError(method, body.error.code, body.error.message);
  return body.result as T;
}
