/** A form generated from a JSON Schema: one control per field, nested lists and objects included. */
import { useEffect, useId, useRef } from "react";
import { Icon } from "../../ui/Icon";
import { ModelField } from "./ModelField";
import type { FieldDescriptor } from "./schemaFields";
import { TemplateInput } from "./TemplateInput";

type Values = Record<string, unknown>;

interface SchemaFormProps {
  fields: FieldDescriptor[];
  value: Values;
  onChange: (value: Values) => void;
  /** field names with a problem, to mark invalid */
  invalidFields?: ReadonlySet<string>;
  /** known values offered for text fields, by field name (e.g. the configured language models) */
  suggestions?: Readonly<Record<string, string[]>>;
}

export function SchemaForm({ fields, value, onChange, invalidFields, suggestions }: SchemaFormProps) {
  return (
    <>
      {fields.map((field) => (
        <FieldControl
          key={field.name}
          field={field}
          value={field.name in value ? value[field.name] : field.defaultValue}
          invalid={invalidFields?.has(field.name) ?? false}
          suggestions={suggestions}
          onChange={(next) => {
            const copy = { ...value };
            if (next === undefined) delete copy[field.name];
            else copy[field.name] = next;
            onChange(copy);
          }}
        />
      ))}
    </>
  );
}

interface FieldControlProps {
  field: FieldDescriptor;
  value: unknown;
  invalid: boolean;
  onChange: (value: unknown) => void;
  suggestions?: Readonly<Record<string, string[]>>;
}

function FieldLabel({ field, htmlFor }: { field: FieldDescriptor; htmlFor?: string }) {
  return (
    <label className="field-label" htmlFor={htmlFor}>
      {field.label}
      {field.required && (
        <span className="req" aria-hidden="true">
          *
        </span>
      )}
    </label>
  );
}

export function FieldControl({ field, value, invalid, onChange, suggestions }: FieldControlProps) {
  const id = useId();
  const helpId = `${id}-help`;
  const help = field.description ? (
    <span id={helpId} className="field-help">
      {field.description}
    </span>
  ) : null;
  const describedBy = field.description ? helpId : undefined;

  switch (field.kind) {
    case "boolean":
      return (
        <div className="field">
          <label className="checkbox">
            <input type="checkbox" checked={value === true} aria-describedby={describedBy} onChange={(e) => onChange(e.target.checked)} />
            {field.label}
          </label>
          {help}
        </div>
      );
    case "enum":
      return (
        <div className="field">
          <FieldLabel field={field} htmlFor={id} />
          <select
            id={id}
            className="select"
            value={value === undefined || value === null ? "" : String(value)}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onChange={(e) => {
              const option = field.options.find((o) => String(o.value) === e.target.value);
              onChange(option ? option.value : field.nullable ? null : undefined);
            }}
          >
            {(field.nullable || value === undefined) && <option value="">—</option>}
            {field.options.map((o) => (
              <option key={String(o.value)} value={String(o.value)}>
                {o.label}
              </option>
            ))}
          </select>
          {help}
        </div>
      );
    case "model":
      return (
        <ModelField id={id} label={<FieldLabel field={field} htmlFor={id} />} value={typeof value === "string" ? value : ""} invalid={invalid} help={help} describedBy={describedBy} onChange={onChange} />
      );
    case "number":
    case "integer":
      return (
        <div className="field">
          <FieldLabel field={field} htmlFor={id} />
          <input
            id={id}
            className="input"
            type="number"
            inputMode={field.kind === "integer" ? "numeric" : "decimal"}
            min={field.minimum}
            max={field.maximum}
            step={field.step ?? "any"}
            value={typeof value === "number" ? value : ""}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onChange={(e) => {
              if (e.target.value === "") onChange(field.nullable ? null : undefined);
              else onChange(field.kind === "integer" ? Math.trunc(Number(e.target.value)) : Number(e.target.value));
            }}
          />
          {help}
        </div>
      );
    case "text":
    case "textarea":
      return (
        <div className="field">
          <FieldLabel field={field} htmlFor={id} />
          <TemplateInput
            id={id}
            value={typeof value === "string" ? value : ""}
            multiline={field.kind === "textarea"}
            describedBy={describedBy}
            placeholder={field.placeholder}
            invalid={invalid}
            options={suggestions?.[field.name]}
            onChange={(text) => onChange(text === "" && field.nullable ? null : text)}
          />
          {help}
        </div>
      );
    case "stringList":
      return <StringListField field={field} value={Array.isArray(value) ? (value as unknown[]) : []} onChange={onChange} describedBy={describedBy} help={help} />;
    case "objectList":
      return <ObjectListField field={field} value={Array.isArray(value) ? (value as unknown[]) : []} onChange={onChange} help={help} suggestions={suggestions} />;
    case "object":
      return (
        <fieldset className="fieldset">
          <legend>{field.label}</legend>
          {help}
          <SchemaForm fields={field.fields} value={isRecord(value) ? value : {}} onChange={onChange} suggestions={suggestions} />
        </fieldset>
      );
    default:
      return <JsonField field={field} value={value} onChange={onChange} id={id} help={help} describedBy={describedBy} />;
  }
}

const isRecord = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);

function StringListField({
  field,
  value,
  onChange,
  describedBy,
  help,
}: {
  field: FieldDescriptor;
  value: unknown[];
  onChange: (v: unknown) => void;
  describedBy?: string;
  help: React.ReactNode;
}) {
  const items = value.map((v) => (typeof v === "string" ? v : String(v)));
  const set = (index: number, text: string) => onChange(items.map((v, i) => (i === index ? text : v)));
  const { listRef, added } = useFocusOnAdd(items.length, ".string-list-row:last-of-type input");
  return (
    <div className="field" role="group" aria-label={field.label}>
      <FieldLabel field={field} />
      {help}
      <div className="list-field" ref={listRef}>
        {items.map((item, index) => (
          <div className="string-list-row" key={index}>
            <input
              className="input"
              value={item}
              aria-label={`${field.label} ${index + 1}`}
              aria-describedby={describedBy}
              onChange={(e) => set(index, e.target.value)}
            />
            <button type="button" className="btn btn-ghost btn-icon btn-sm" aria-label={`Remove ${field.label} ${index + 1}`} onClick={() => onChange(items.filter((_, i) => i !== index))}>
              <Icon name="x" size={14} />
            </button>
          </div>
        ))}
        <button
          type="button"
          className="btn btn-sm"
          onClick={() => {
            added();
            onChange([...items, ""]);
          }}
        >
          <Icon name="plus" size={14} /> Add
        </button>
      </div>
    </div>
  );
}

/** After "Add", the new item's first field takes the focus, so the designer types straight into it. */
function useFocusOnAdd(count: number, selector: string) {
  const listRef = useRef<HTMLDivElement>(null);
  const pending = useRef(false);
  useEffect(() => {
    if (!pending.current) return;
    pending.current = false;
    listRef.current?.querySelector<HTMLElement>(selector)?.focus();
  }, [count, selector]);
  return {
    listRef,
    added: () => {
      pending.current = true;
    },
  };
}

function itemTitle(field: FieldDescriptor, item: unknown, index: number): string {
  if (isRecord(item)) {
    const named = item.name ?? item.label ?? item.key ?? item.variable;
    if (typeof named === "string" && named) return named;
  }
  return `${field.label.replace(/s$/, "")} ${index + 1}`;
}

function ObjectListField({
  field,
  value,
  onChange,
  help,
  suggestions,
}: {
  field: FieldDescriptor;
  value: unknown[];
  onChange: (v: unknown) => void;
  help: React.ReactNode;
  suggestions?: Readonly<Record<string, string[]>>;
}) {
  const { listRef, added } = useFocusOnAdd(value.length, ".list-item:last-of-type :is(input, textarea, select)");
  const move = (from: number, to: number) => {
    if (to < 0 || to >= value.length) return;
    const next = [...value];
    const [item] = next.splice(from, 1);
    next.splice(to, 0, item);
    onChange(next);
  };
  return (
    <div className="field" role="group" aria-label={field.label}>
      <FieldLabel field={field} />
      {help}
      <div className="list-field" ref={listRef}>
        {value.map((item, index) => {
          const title = itemTitle(field, item, index);
          return (
            <div className="list-item" key={index}>
              <div className="list-item-header">
                <span>{title}</span>
                <span>
                  <button type="button" className="btn btn-ghost btn-icon btn-sm" aria-label={`Move ${title} up`} disabled={index === 0} onClick={() => move(index, index - 1)}>
                    ↑
                  </button>
                  <button type="button" className="btn btn-ghost btn-icon btn-sm" aria-label={`Move ${title} down`} disabled={index === value.length - 1} onClick={() => move(index, index + 1)}>
                    ↓
                  </button>
                  <button type="button" className="btn btn-ghost btn-icon btn-sm" aria-label={`Remove ${title}`} onClick={() => onChange(value.filter((_, i) => i !== index))}>
                    <Icon name="x" size={14} />
                  </button>
                </span>
              </div>
              <SchemaForm
                fields={field.fields}
                value={isRecord(item) ? item : {}}
                suggestions={suggestions}
                onChange={(next) => onChange(value.map((v, i) => (i === index ? next : v)))}
              />
            </div>
          );
        })}
        <button
          type="button"
          className="btn btn-sm"
          onClick={() => {
            added();
            onChange([...value, structuredClone(field.itemDefault ?? {})]);
          }}
        >
          <Icon name="plus" size={14} /> Add {field.label.replace(/s$/, "").toLowerCase()}
        </button>
      </div>
    </div>
  );
}

function JsonField({
  field,
  value,
  onChange,
  id,
  help,
  describedBy,
}: {
  field: FieldDescriptor;
  value: unknown;
  onChange: (v: unknown) => void;
  id: string;
  help: React.ReactNode;
  describedBy?: string;
}) {
  const text = value === undefined ? "" : JSON.stringify(value, null, 2);
  return (
    <div className="field">
      <FieldLabel field={field} htmlFor={id} />
      <textarea
        id={id}
        key={text}
        className="textarea mono"
        defaultValue={text}
        aria-describedby={describedBy}
        onBlur={(e) => {
          try {
            onChange(e.target.value.trim() === "" ? undefined : JSON.parse(e.target.value));
          } catch {
            e.target.setAttribute("aria-invalid", "true");
          }
        }}
      />
      {help ?? <span className="field-help">JSON</span>}
    </div>
  );
}
