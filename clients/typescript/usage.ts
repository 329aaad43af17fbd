/**
 * A TypeScript caller of the gateway, written against the types that openapi-typescript
 * generates from ../../openapi/openapi.json into schema.d.ts (generated at test time, not
 * committed). It is type-checked (`tsc --noEmit`), never run: tests/clients/
 * test_typescript_types.py fails when a spec change breaks a caller written like this one.
 */
import createClient from "openapi-fetch";

import type { components, paths } from "./schema";

type Schemas = components["schemas"];
export type ActionRequest = paths["/v1/actions"]["post"]["requestBody"]["content"]["application/json"];
export type ActionResult = Schemas["ActionResult"];
export type Problem = Schemas["Problem"];
export type OrderView = Schemas["OrderView"];

const client = createClient<paths>({
  baseUrl: "http://127.0.0.1:8080",
  headers: { Authorization: "Bearer the-callers-api-key" },
});

/** Problem details, as a support agent would read them. */
export function describeProblem(problem: Problem): string {
  const code: string = problem.code;
  const status: number = problem.status;
  const fields = (problem.errors ?? []).map((error) => `${error.loc.join(".")}: ${error.message}`);
  const platform = (problem.platform_errors ?? []).map((error) => error.message);
  const retry = problem.retry_after == null ? "" : ` (retry in ${problem.retry_after} s)`;
  return [`${status} ${code}: ${problem.detail ?? problem.title}${retry}`, ...fields, ...platform]
    .join("\n");
}

export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(describeProblem(problem));
  }
}

export const notEligible: Problem = {
  type: "urn:action-gateway:problem:not_eligible",
  title: "Not eligible",
  status: 409,
  code: "not_eligible",
  detail: "Order #1001 is already cancelled.",
  current_state: { decision_code: "already_cancelled" },
  allowed_actions: ["edit_order_note"],
};

/** Lookup: the orders of every connection's customers with this email. */
export async function ordersByEmail(email: string): Promise<OrderView[]> {
  const { data, error } = await client.GET("/v1/customers", {
    params: { query: { email, orders_limit: 5 } },
  });
  if (error !== undefined) {
    throw new ProblemError(error);
  }
  const orders: OrderView[] = [];
  for (const result of data.results) {
    if (result.status === "error") {
      continue; // result.error?.code says why
    }
    for (const customer of result.customers ?? []) {
      orders.push(...customer.orders);
    }
  }
  return orders;
}

export async function order(connection: string, orderId: string): Promise<OrderView> {
  const { data, error } = await client.GET("/v1/connections/{connection}/orders/{order_id}", {
    params: { path: { connection, order_id: orderId } },
  });
  if (error !== undefined) {
    throw new ProblemError(error);
  }
  return data;
}

/** An action request body: the type of `input` follows `action`. */
export function cancelAndRefund(order: OrderView, dryRun: boolean): ActionRequest {
  return {
    connection: order.connection,
    action: "cancel_and_refund_order",
    target: { order_id: order.id },
    input: { reason: "customer", notify_customer: true, staff_note: "Changed mind" },
    context: { agent_id: "agent-42", conversation_id: "conv-1" },
    dry_run: dryRun,
  };
}

export const appendNote: ActionRequest = {
  connection: "sandbox-shopify",
  action: "edit_order_note",
  target: { order_id: "5500001004" },
  input: { note: "Refunded after a call", mode: "append" },
};

export const discount: ActionRequest = {
  connection: "sandbox-shopify",
  action: "create_discount_code",
  target: { customer_id: "gid://shopify/Customer/1" },
  input: { code: "SORRY15", type: "percentage", value: "15", expiry: "3_months" },
};

/** Narrowing on the discriminator gives each action's own input type. */
export function describeRequest(request: ActionRequest): string {
  switch (request.action) {
    case "cancel_and_refund_order":
      return `cancel and refund (${request.input.reason}, restock: ${request.input.restock ?? false})`;
    case "edit_order_note":
      return `note (${request.input.mode ?? "replace"}): ${request.input.note}`;
    case "create_discount_code":
      return `discount ${request.input.code}: ${request.input.value} (${request.input.type})`;
    default:
      return request.action;
  }
}

/** The action itself (or its preview), with the Idempotency-Key that makes a retry safe. */
export async function perform(
  request: ActionRequest,
  idempotencyKey: string,
): Promise<{ result: ActionResult; replayed: boolean }> {
  const { data, error, response } = await client.POST("/v1/actions", {
    params: { header: { "Idempotency-Key": idempotencyKey } },
    body: request,
  });
  if (error !== undefined) {
    throw new ProblemError(error);
  }
  return { result: data, replayed: response.headers.get("Idempotent-Replayed") === "true" };
}

/** What an ActionResult gives a helpdesk: a timeline line and the resource as it now is. */
export function timelineLine(result: ActionResult): string | null {
  const event = result.timeline_event;
  if (result.status !== "succeeded" || event == null) {
    return null;
  }
  const subject: string = event.subject.name ?? event.subject.id;
  const refunded: Schemas["Money"] | undefined = result.refund?.total;
  const amount = refunded === undefined ? "" : ` (${refunded.amount} ${refunded.currency})`;
  return `${event.occurred_at} ${event.type} ${subject} by ${event.actor.agent_id ?? "?"}: ${event.summary}${amount}`;
}

export function stillAvailable(result: ActionResult): Schemas["ActionName"][] {
  const resource = result.resource;
  if (resource == null) {
    return [];
  }
  return resource.available_actions;
}

export function previewTotal(preview: ActionResult): Schemas["Money"] | null {
  return preview.dry_run && preview.status === "preview" ? (preview.refund?.total ?? null) : null;
}
