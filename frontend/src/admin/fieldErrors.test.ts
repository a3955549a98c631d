import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { clearField, formErrors } from "./fieldErrors";

describe("formErrors", () => {
  it("puts each detail on its field and nothing above the form", () => {
    const error = new ApiError(422, {
      code: "invalid_input",
      message: "Some fields are not valid",
      details: [
        { field: "e164", message: "Enter the number in E.164 form." },
        { field: "allowed_addresses.0", message: "not an address" },
      ],
    });
    expect(formErrors(error, ["e164", "allowed_addresses"])).toEqual({
      fields: { e164: "Enter the number in E.164 form.", allowed_addresses: "not an address" },
      general: null,
    });
  });

  it("says what it cannot place above the form", () => {
    const error = new ApiError(422, { code: "invalid_input", message: "x", details: [{ field: "other", message: "bad" }] });
    expect(formErrors(error, ["e164"])).toEqual({ fields: {}, general: "other: bad" });
  });

  it("falls back to the message when there are no field details", () => {
    const error = new ApiError(409, { code: "name_taken", message: "Another voice model has that name." });
    expect(formErrors(error, ["name"]).general).toBe("Another voice model has that name.");
  });
});

describe("clearField", () => {
  it("drops the edited field's error and keeps the others", () => {
    const errors = { fields: { e164: "bad", trunk_id: "foreign" }, general: null };
    expect(clearField(errors, "e164")).toEqual({ fields: { trunk_id: "foreign" }, general: null });
    expect(clearField(errors, "label")).toBe(errors);
  });
});
