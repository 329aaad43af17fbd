// Drives a live gateway through the SDK @hey-api/openapi-ts generates from openapi.json:
// lookup by email, a preview, an action with an Idempotency-Key, a typed 404 problem. Prints
// one JSON line per step for tests/clients/test_hey_api_sdk.py to check.
import { client } from "./generated/hey-api/client.gen.js";
import {
  findCustomers,
  getOrder,
  performAction,
  previewAction,
  type ActionResult,
  type CancelAndRefundOrderRequest,
  type Problem,
} from "./generated/hey-api/index.js";

declare const process: { argv: string[]; exitCode?: number };

const [baseUrl, token] = process.argv.slice(2);
if (!baseUrl) throw new Error("usage: node sdk-driver.js BASE_URL [TOKEN]");
client.setConfig({ baseUrl, ...(token ? { auth: token } : {}) });

function report(step: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ step, ...fields }));
}

function orderOf(result: ActionResult): { cancelled: boolean | null; type: string } | null {
  const resource = result.resource;
  if (resource === null) return null;
  // The union is told apart by `type`: only an order has `state.cancelled`.
  switch (resource.type) {
    case "order":
      return { cancelled: resource.state.cancelled, type: resource.type };
    case "customer":
    case "subscription":
      return { cancelled: null, type: resource.type };
  }
}

async function main(): Promise<void> {
  const found = await findCustomers({ query: { email: "ava.lindqvist@example.com" } });
  if (!found.data) throw new Error(`lookup failed: ${JSON.stringify(found.error)}`);
  const shopify = found.data.results.find((r) => r.connection === "sandbox-shopify");
  const customer = shopify?.customers[0];
  const order = customer?.orders.find((o) => o.name === "#1001");
  if (!customer || !order) throw new Error("Ava's order #1001 is missing");
  report("lookup", {
    status: shopify?.status,
    customer: customer.display_name,
    order: order.name,
    available: order.available_actions,
  });

  const body: CancelAndRefundOrderRequest = {
    connection: "sandbox-shopify",
    action: "cancel_and_refund_order",
    target: { order_id: order.id },
    input: { reason: "customer", notify_customer: true },
    context: { agent_id: "agent-42", conversation_id: "conv-1" },
  };
  const preview = await previewAction({ body });
  if (!preview.data) throw new Error(`preview failed: ${JSON.stringify(preview.error)}`);
  report("preview", {
    status: preview.data.status,
    dry_run: preview.data.dry_run,
    refund: preview.data.refund?.total.amount ?? null,
    total: order.totals.total.amount,
  });

  const key = crypto.randomUUID();
  const done = await performAction({ body, headers: { "Idempotency-Key": key } });
  if (!done.data) throw new Error(`action failed: ${JSON.stringify(done.error)}`);
  report("action", {
    status: done.data.status,
    event: done.data.timeline_event?.type ?? null,
    summary: done.data.timeline_event?.summary ?? null,
    resource: orderOf(done.data),
  });

  const missing = await getOrder({ path: { connection: "sandbox-shopify", order_id: "404404" } });
  const problem: Problem | undefined = missing.error;
  report("not_found", {
    http: missing.response?.status ?? null,
    status: problem?.status ?? null,
    code: problem?.code ?? null,
    type: problem?.type ?? null,
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
