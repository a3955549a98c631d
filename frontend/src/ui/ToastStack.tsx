import { useToasts } from "./toasts";

export function ToastStack() {
  const toasts = useToasts((s) => s.toasts);
  return (
    <div className="toast-stack" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast${t.tone === "error" ? " toast-error" : ""}`}>
          {t.message}
        </div>
      ))}
    </div>
  );
}
