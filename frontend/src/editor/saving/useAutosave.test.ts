import { act, cleanup, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/client";
import { pipelinesApi } from "../../api/pipelines";
import { CATALOG, sampleDocument } from "../../test/fixtures";
import { useGraphStore } from "../store/graphStore";
import { useAutosave } from "./useAutosave";

const store = () => useGraphStore.getState();

beforeEach(() => {
  vi.useFakeTimers();
  store().load(sampleDocument(), CATALOG);
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function edit(text: string) {
  act(() => store().updateConfig("say", { text }));
  await act(async () => {
    await vi.advanceTimersByTimeAsync(1000);
  });
}

describe("autosave", () => {
  it("saves a change with the revision it was based on, then the next with the new one", async () => {
    const save = vi.spyOn(pipelinesApi, "saveDraft").mockImplementation(async (_id, _graph, revision) => ({ revision: revision + 1, updated_at: "", problems: [] }));
    const { result } = renderHook(() => useAutosave(7, 3, true));
    expect(result.current.state).toBe("saved");
    await edit("One");
    expect(save).toHaveBeenCalledTimes(1);
    expect(save.mock.calls[0]?.[0]).toBe(7);
    expect(save.mock.calls[0]?.[2]).toBe(3);
    expect(result.current.state).toBe("saved");
    await edit("Two");
    expect(save.mock.calls[1]?.[2]).toBe(4);
    expect(save.mock.calls[1]?.[1].nodes.find((n) => n.id === "say")?.data.config.text).toBe("Two");
  });

  it("stops on a stale draft and reports the conflict instead of overwriting", async () => {
    const details = { revision: 9, graph: sampleDocument(), updated_by: "ana" };
    const save = vi.spyOn(pipelinesApi, "saveDraft").mockRejectedValue(new ApiError(409, { code: "stale_draft", message: "stale", details }));
    const { result } = renderHook(() => useAutosave(7, 3, true));
    await edit("Mine");
    expect(result.current.state).toBe("conflict");
    expect(result.current.conflict).toEqual(details);
    await edit("Mine again");
    expect(save).toHaveBeenCalledTimes(1);
    act(() => result.current.reset(9));
    expect(result.current.state).toBe("saved");
    expect(result.current.conflict).toBeNull();
  });

  it("shows Offline and retries when the server cannot be reached", async () => {
    const save = vi
      .spyOn(pipelinesApi, "saveDraft")
      .mockRejectedValueOnce(new ApiError(0, { code: "offline", message: "Cannot reach betool." }))
      .mockResolvedValue({ revision: 4, updated_at: "", problems: [] });
    const { result } = renderHook(() => useAutosave(7, 3, true));
    await edit("Offline edit");
    expect(result.current.state).toBe("offline");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(5500);
    });
    expect(save).toHaveBeenCalledTimes(2);
    expect(result.current.state).toBe("saved");
  });

  it("does nothing for a member who may not edit", async () => {
    const save = vi.spyOn(pipelinesApi, "saveDraft");
    renderHook(() => useAutosave(7, 3, false));
    await edit("Read only");
    expect(save).not.toHaveBeenCalled();
  });
});

describe("leaving the editor", () => {
  it("saves a pending edit at once instead of dropping it", async () => {
    const save = vi.spyOn(pipelinesApi, "saveDraft").mockResolvedValue({ revision: 4, updated_at: "", problems: [] });
    const { unmount } = renderHook(() => useAutosave(7, 3, true));
    act(() => store().updateConfig("say", { text: "Typed just before leaving" }));
    unmount();
    expect(save).toHaveBeenCalledTimes(1);
    expect(save.mock.calls[0]?.[1].nodes.find((n) => n.id === "say")?.data.config.text).toBe("Typed just before leaving");
  });
});
