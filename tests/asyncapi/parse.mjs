// Parses an AsyncAPI document with the official parser and prints, as JSON, its
// diagnostics (errors and warnings) and each channel's address, messages and Kafka bindings,
// with who sends and who receives on it. Usage: node parse.mjs FILE
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(process.argv[2], "utf8"));
const severities = ["error", "warning", "info", "hint"];
const out = {
  diagnostics: diagnostics.map((d) => ({
    severity: severities[d.severity] ?? String(d.severity),
    code: d.code,
    message: d.message,
    path: d.path.join("/"),
  })),
  channels: {},
};
if (document) {
  for (const channel of document.channels()) {
    const kafka = channel.bindings().get("kafka");
    out.channels[channel.address()] = {
      messages: channel.messages().all().map((m) => m.name() ?? m.id()),
      keys: channel.messages().all().map((m) => m.bindings().get("kafka")?.value()?.key ?? null),
      kafka: kafka ? kafka.value() : null,
      operations: channel.operations().all().map((op) => ({
        id: op.id(),
        action: op.action(),
        group: op.bindings().get("kafka")?.value()?.groupId?.enum?.[0] ?? null,
      })),
    };
  }
}
process.stdout.write(JSON.stringify(out));
