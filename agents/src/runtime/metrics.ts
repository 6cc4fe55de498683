import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Prometheus metrics of one agent process, served on the health endpoint's /metrics. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly messages: Counter<"agent" | "outcome">;
  readonly duration: Histogram<"agent">;
  readonly inflight: Gauge<"agent">;
  readonly duplicates: Counter<"agent" | "subject">;

  constructor(readonly agent: string) {
    collectDefaultMetrics({ register: this.registry });
    this.messages = new Counter({
      name: "secops_stage_messages_total",
      help: "Messages handled by the stage, by outcome (ok, dlq, retry, skipped)",
      labelNames: ["agent", "outcome"],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: "secops_stage_handler_seconds",
      help: "Time a stage handler took for one message",
      labelNames: ["agent"],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers: [this.registry],
    });
    this.duplicates = new Counter({
      name: "secops_stage_duplicate_publishes_total",
      help: "Publishes the stream answered as duplicates (a message with the same id was already there)",
      labelNames: ["agent", "subject"],
      registers: [this.registry],
    });
    this.inflight = new Gauge({
      name: "secops_stage_inflight",
      help: "Messages the replica is working on now",
      labelNames: ["agent"],
      registers: [this.registry],
    });
  }
}
