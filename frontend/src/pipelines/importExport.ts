/** Export a pipeline as a JSON file; read a chosen file for import. */
import { pipelinesApi } from "../api/pipelines";

export async function downloadExport(id: number): Promise<void> {
  const doc = await pipelinesApi.exportDocument(id);
  const blob = new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = `${doc.name.replace(/[^\w.-]+/g, "_") || "pipeline"}.betool.json`;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

export async function readJsonFile(file: File): Promise<unknown> {
  const text = await file.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${file.name} is not a JSON file.`);
  }
}
