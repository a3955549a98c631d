/** The right panel while editing: the selected node's form, or the pipeline's settings. */
import { useId } from "react";
import { useShallow } from "zustand/react/shallow";
import { Icon } from "../../ui/Icon";
import { TypeIcon } from "../catalog/TypeIcon";
import type { JsonSchema, NodeTypeSpec } from "../catalog/types";
import { fieldsFromSchema, type FieldDescriptor } from "../forms/schemaFields";
import { SchemaForm } from "../forms/SchemaForm";
import { useGraphStore } from "../store/graphStore";
import { OutputsSection } from "./OutputsSection";

const fieldCache = new WeakMap<NodeTypeSpec, FieldDescriptor[]>();

function fieldsOf(spec: NodeTypeSpec): FieldDescriptor[] {
  let fields = fieldCache.get(spec);
  if (!fields) {
    fields = fieldsFromSchema(spec.configSchema);
    fieldCache.set(spec, fields);
  }
  return fields;
}

export function Inspector({ readOnly }: { readOnly: boolean }) {
  // Ids only: dragging a node changes its position every frame, which the form does not show.
  const selected = useGraphStore(useShallow((s) => s.nodes.filter((n) => n.selected).map((n) => n.id)));
  const only = selected.length === 1 ? selected[0] : undefined;
  return (
    <aside className="side-panel" aria-label="Inspector">
      <fieldset disabled={readOnly} style={{ border: 0, margin: 0, padding: 0, display: "contents" }}>
        {only ? <NodeInspector key={only} nodeId={only} /> : selected.length > 1 ? <MultiSelection count={selected.length} /> : <PipelineSettings />}
      </fieldset>
    </aside>
  );
}

function NodeInspector({ nodeId }: { nodeId: string }) {
  const type = useGraphStore((s) => s.nodes.find((n) => n.id === nodeId)?.type ?? "");
  const data = useGraphStore((s) => s.nodes.find((n) => n.id === nodeId)?.data);
  const spec = useGraphStore((s) => s.catalog[type]);
  const problems = useGraphStore((s) => s.problemIndex.get(nodeId));
  const { updateConfig, updateLabel, duplicate, deleteSelection } = useGraphStore.getState();
  const labelId = useId();
  if (!data) return null;
  if (!spec) {
    return (
      <div className="panel-body">
        <div className="alert alert-warning">This node's type “{type}” is unknown to this version of betool.</div>
      </div>
    );
  }
  return (
    <>
      <div className="panel-header">
        <div style={{ display: "flex", gap: 10, alignItems: "center", minWidth: 0 }}>
          <TypeIcon spec={spec} />
          <div style={{ minWidth: 0 }}>
            <h2 style={{ fontSize: 14 }}>{spec.label}</h2>
            <div className="muted" style={{ fontSize: 12 }}>
              {spec.description}
            </div>
          </div>
        </div>
        <div style={{ display: "flex" }}>
          <button type="button" className="btn btn-ghost btn-icon btn-sm" aria-label="Duplicate node" title="Duplicate" onClick={duplicate}>
            <Icon name="copy" size={14} />
          </button>
          {spec.type !== "start" && (
            <button type="button" className="btn btn-ghost btn-icon btn-sm" aria-label="Delete node" title="Delete" onClick={deleteSelection}>
              <Icon name="trash" size={14} />
            </button>
          )}
        </div>
      </div>
      <div className="panel-body">
        {problems && problems.count > 0 && (
          <div className={`alert ${problems.severity === "error" ? "alert-error" : "alert-warning"}`} style={{ marginBottom: 14 }} role="status">
            <ul style={{ margin: 0, paddingLeft: 16 }}>
              {problems.messages.map((m, i) => (
                <li key={i}>{m}</li>
              ))}
            </ul>
          </div>
        )}
        {spec.type !== "note" && (
          <div className="field">
            <label className="field-label" htmlFor={labelId}>
              Name on canvas
            </label>
            <input id={labelId} className="input" value={data.label ?? ""} placeholder={spec.label} onChange={(e) => updateLabel(nodeId, e.target.value)} />
          </div>
        )}
        <div className="inspector-section">
          {spec.type !== "note" && <div className="inspector-section-title">Configuration</div>}
          <SchemaForm
            fields={fieldsOf(spec)}
            value={data.config}
            invalidFields={new Set(problems?.fields ?? [])}
            onChange={(config) => updateConfig(nodeId, config)}
          />
        </div>
        <OutputsSection nodeId={nodeId} spec={spec} config={data.config} />
        <p className="muted mono" style={{ fontSize: 11 }}>
          id: {nodeId}
        </p>
      </div>
    </>
  );
}

function MultiSelection({ count }: { count: number }) {
  const { duplicate, deleteSelection, copy } = useGraphStore.getState();
  return (
    <>
      <div className="panel-header">
        <h2 style={{ fontSize: 14 }}>{count} nodes selected</h2>
      </div>
      <div className="panel-body" style={{ display: "flex", flexDirection: "column", gap: 8 }}>
        <button type="button" className="btn" onClick={copy}>
          <Icon name="copy" /> Copy
        </button>
        <button type="button" className="btn" onClick={duplicate}>
          Duplicate
        </button>
        <button type="button" className="btn" onClick={deleteSelection}>
          <Icon name="trash" /> Delete
        </button>
      </div>
    </>
  );
}

const SETTINGS_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    fallback_line: {
      type: "string",
      title: "Fallback line",
      description: "Said when a node fails or a turn loops too often: the caller never hears silence.",
      "x-widget": "textarea",
    },
    iteration_limit: { type: "integer", title: "Visits of one node per turn", minimum: 1, maximum: 10, description: "Past this, the turn ends with the fallback line." },
    turn_timeout_s: { type: "number", title: "Turn timeout (seconds)", minimum: 1, maximum: 120 },
    input_variables: {
      type: "array",
      items: { type: "string" },
      title: "Variables given at call start",
      description: "Names the call provides before the first turn (e.g. customer_id), so templates may use them.",
    },
    analysis: {
      type: "object",
      title: "After the call: analysis",
      description: "A language model reads the transcript once the call ends. Its answer shows on the call's page, in the calls list and CSV, and goes to webhooks (call.analyzed).",
      properties: {
        enabled: { type: "boolean", title: "Analyse each call after it ends", default: false },
        summary: { type: "boolean", title: "Write a summary", default: true },
        outcomes: {
          type: "array",
          items: { type: "string" },
          title: "Outcomes",
          description: "The model picks one of these for each call.",
          default: ["resolved", "transferred", "abandoned", "voicemail"],
        },
        fields: {
          type: "array",
          title: "Fields to extract",
          description: "What the caller gave, typed: e.g. order_number (text), items (number), delivery_date (date).",
          items: {
            type: "object",
            properties: {
              name: { type: "string", title: "Name", default: "" },
              type: { type: "string", title: "Type", enum: ["string", "number", "boolean", "enum", "date"], default: "string" },
              description: { type: "string", title: "What it is", default: "" },
              options: { type: "array", items: { type: "string" }, title: "Choices (for enum)", default: [] },
              required: { type: "boolean", title: "Always expected", default: false },
            },
          },
          default: [],
        },
        model: { type: "string", format: "llm_model", title: "Language model", description: "Empty: the workspace's default.", default: "" },
      },
    },
    recording: {
      type: "object",
      title: "Recording",
      description: "Caller and agent on two channels, played with the transcript on the call's page. A phone number can turn it on as well.",
      properties: {
        enabled: { type: "boolean", title: "Record calls", default: false },
        consent_line: {
          type: "string",
          title: "Consent line",
          description: "Said before the greeting of every recorded call.",
          default: "This call is recorded for quality and training purposes.",
          maxLength: 300,
        },
      },
    },
  },
};
const SETTINGS_FIELDS = fieldsFromSchema(SETTINGS_SCHEMA);

function PipelineSettings() {
  const settings = useGraphStore((s) => s.settings);
  const updateSettings = useGraphStore.getState().updateSettings;
  return (
    <>
      <div className="panel-header">
        <div>
          <h2 style={{ fontSize: 14 }}>Pipeline settings</h2>
          <div className="muted" style={{ fontSize: 12 }}>
            Select a node to edit it.
          </div>
        </div>
      </div>
      <div className="panel-body">
        <SchemaForm fields={SETTINGS_FIELDS} value={settings} onChange={(v) => updateSettings(v)} />
      </div>
    </>
  );
}
