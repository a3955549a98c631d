import { useRef } from "react";
import { errorMessage } from "../api/client";
import { pipelinesApi } from "../api/pipelines";
import type { PipelineDetail } from "../api/types";
import { Icon } from "../ui/Icon";
import { showToast } from "../ui/toasts";
import { readJsonFile } from "./importExport";

/** Choose an exported .json file; the server migrates it and creates a pipeline. */
export function ImportButton({ onImported }: { onImported: (p: PipelineDetail) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      const created = await pipelinesApi.importDocument(await readJsonFile(file));
      showToast(`Imported “${created.name}”`);
      onImported(created);
    } catch (e) {
      showToast(`Import failed: ${errorMessage(e)}`, "error");
    } finally {
      if (input.current) input.current.value = "";
    }
  };
  return (
    <>
      <button type="button" className="btn" onClick={() => input.current?.click()}>
        <Icon name="upload" /> Import
      </button>
      <input
        ref={input}
        type="file"
        accept="application/json,.json"
        hidden
        aria-label="Pipeline file to import"
        onChange={(e) => void onFile(e.target.files?.[0])}
      />
    </>
  );
}
