/** Import an exported pipeline file: the server migrates it and makes a new pipeline, which opens. */
import { useRef, type ReactElement } from "react";
import { useNavigate } from "react-router";
import { errorMessage } from "../api/client";
import { pipelinesApi } from "../api/pipelines";
import { showToast } from "../ui/toasts";
import { readJsonFile } from "./importExport";

export function useImportPipeline(): { chooseFile: () => void; fileInput: ReactElement } {
  const input = useRef<HTMLInputElement>(null);
  const navigate = useNavigate();
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      const created = await pipelinesApi.importDocument(await readJsonFile(file));
      showToast(`Imported “${created.name}”`);
      void navigate(`/pipelines/${created.id}`);
    } catch (e) {
      showToast(`Import failed: ${errorMessage(e)}`, "error");
    } finally {
      if (input.current) input.current.value = "";
    }
  };
  const fileInput = (
    <input ref={input} type="file" accept="application/json,.json" hidden aria-label="Pipeline file to import" onChange={(e) => void onFile(e.target.files?.[0])} />
  );
  return { chooseFile: () => input.current?.click(), fileInput };
}
