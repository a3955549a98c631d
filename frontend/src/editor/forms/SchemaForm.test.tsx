import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { CATALOG } from "../../test/fixtures";
import { fieldsFromSchema } from "./schemaFields";
import { SchemaForm } from "./SchemaForm";

afterEach(cleanup);

function Harness({ type, initial, onValue }: { type: string; initial: Record<string, unknown>; onValue: (v: Record<string, unknown>) => void }) {
  const [value, setValue] = useState(initial);
  return (
    <SchemaForm
      fields={fieldsFromSchema(CATALOG[type]!.configSchema)}
      value={value}
      suggestions={{ model: ["fast-model"] }}
      onChange={(v) => {
        setValue(v);
        onValue(v);
      }}
    />
  );
}

describe("the generated form", () => {
  it("renders labelled controls for every kind of field", () => {
    render(<Harness type="agent" initial={{ mission: "Help", model: "" }} onValue={() => undefined} />);
    expect((screen.getByLabelText(/Mission/) as HTMLElement).tagName).toBe("TEXTAREA");
    expect(screen.getByLabelText(/Temperature/)).toHaveProperty("type", "number");
    expect(screen.getByLabelText("Caller can interrupt")).toHaveProperty("checked", true);
    expect(screen.getByRole("group", { name: "Tools" })).toBeTruthy();
    const model = screen.getByLabelText(/Model/) as HTMLSelectElement;
    expect(model.tagName).toBe("SELECT");
    expect(model.value).toBe("");
    expect(model.options[0]?.textContent).toMatch(/^Workspace default/);
  });

  it("adds an intent with its own sub-form and edits it", () => {
    let last: Record<string, unknown> = {};
    render(<Harness type="classifier" initial={{ mode: "keywords", intents: [] }} onValue={(v) => (last = v)} />);
    fireEvent.click(screen.getByRole("button", { name: /Add intent/ }));
    // "Add" puts the cursor in the new item, ready to type
    expect(document.activeElement).toBe(screen.getByLabelText(/^Name/));
    fireEvent.change(screen.getByLabelText(/^Name/), { target: { value: "billing" } });
    fireEvent.click(screen.getByRole("button", { name: "Add" }));
    expect(document.activeElement).toBe(screen.getByLabelText("Keywords 1"));
    fireEvent.change(screen.getByLabelText("Keywords 1"), { target: { value: "invoice" } });
    expect(last.intents).toEqual([{ name: "billing", description: "", keywords: ["invoice"] }]);
    fireEvent.change(screen.getByLabelText("How to classify"), { target: { value: "llm" } });
    expect(last.mode).toBe("llm");
  });

  it("keeps numbers as numbers and clears optional ones to null", () => {
    let last: Record<string, unknown> = {};
    render(<Harness type="http_request" initial={{ url: "https://x", status_variable: "code", timeout_s: 3 }} onValue={(v) => (last = v)} />);
    fireEvent.change(screen.getByLabelText(/Timeout/), { target: { value: "4.5" } });
    expect(last.timeout_s).toBe(4.5);
    fireEvent.change(screen.getByLabelText("Save the status code as"), { target: { value: "" } });
    expect(last.status_variable).toBeNull();
  });
});
