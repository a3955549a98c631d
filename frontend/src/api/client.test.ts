import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, apiRequest, errorMessage } from "./client";

afterEach(() => vi.unstubAllGlobals());

function stubFetch(status: number, body: unknown) {
  const fetch = vi.fn().mockResolvedValue(new Response(body === undefined ? null : JSON.stringify(body), { status }));
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

describe("the API client", () => {
  it("sends the CSRF token on writes", async () => {
    document.cookie = "csrftoken=abc123";
    const fetch = stubFetch(200, { ok: true });
    await apiRequest("POST", "/pipelines", { name: "x" });
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/pipelines");
    expect((init.headers as Record<string, string>)["X-CSRFToken"]).toBe("abc123");
  });

  it("turns the common error shape into an ApiError with a readable message", async () => {
    stubFetch(409, { error: { code: "stale_draft", message: "Someone saved first.", details: { revision: 4 } } });
    const error = await apiRequest("PUT", "/pipelines/1/draft", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: "stale_draft", details: { revision: 4 } });
    expect(errorMessage(error)).toBe("Someone saved first.");
  });

  it("explains failures that have no error body", async () => {
    stubFetch(502, undefined);
    expect(errorMessage(await apiRequest("GET", "/me").catch((e: unknown) => e))).toMatch(/502/);
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("Failed to fetch")));
    const offline = await apiRequest("GET", "/me").catch((e: unknown) => e);
    expect(offline).toMatchObject({ code: "offline" });
  });
});
