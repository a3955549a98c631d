"""A suite run as JUnit XML, the format CI systems read test results in."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree


def _failure_text(scenario: dict[str, Any]) -> str:
    lines = []
    for step in scenario["steps"]:
        for failure in step["failures"]:
            lines.append(
                f"step {step['index']} ({step['caller']}): {failure['kind']}: "
                f"expected {failure['expected']}; observed {failure['observed']}"
            )
    for failure in scenario["end_failures"]:
        lines.append(
            f"at the end: {failure['kind']}: expected {failure['expected']}; "
            f"observed {failure['observed']}"
        )
    if scenario["runs"] > 1:
        lines.append(f"passed {scenario['runs_passed']} of {scenario['runs']} runs")
    return "\n".join(lines)


def junit_xml(*, suite_name: str, result: dict[str, Any]) -> str:
    failures = sum(1 for s in result["scenarios"] if not s["passed"] and not s["error"])
    errors = sum(1 for s in result["scenarios"] if s["error"])
    root = ElementTree.Element("testsuites")
    suite = ElementTree.SubElement(
        root,
        "testsuite",
        name=suite_name,
        tests=str(result["total"]),
        failures=str(failures),
        errors=str(errors),
        skipped="0",
        time=f"{result['ms'] / 1000:.3f}",
    )
    for scenario in result["scenarios"]:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=suite_name,
            name=scenario["name"],
            time=f"{scenario['ms'] / 1000:.3f}",
        )
        if scenario["error"]:
            error = ElementTree.SubElement(case, "error", message=scenario["error"])
            error.text = scenario["error"]
        elif not scenario["passed"]:
            first = scenario["first_failure"] or {}
            message = (
                f"expected {first.get('expected')}; observed {first.get('observed')}"
                if first
                else "failed"
            )
            failure = ElementTree.SubElement(case, "failure", message=message)
            failure.text = _failure_text(scenario)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, "unicode")
