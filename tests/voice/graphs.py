"""Rule-only pipelines for the voice tests: no LLM, every answer known in advance."""

from __future__ import annotations

from typing import Any

GREETING = "Hello, this is Acme support. How can I help you?"
BALANCE = "Your balance is positive and your account is up to date."
NOT_UNDERSTOOD = "Sorry, I did not understand that."
TRANSFER = "Let me transfer you to a colleague."
GOODBYE = "Thank you for calling. Goodbye!"
HOLD = "Please hold for a moment."
AFTER_HOLD = "Thank you for waiting. Your order is on its way."
STORY = (
    "Once upon a time there was a small village by the sea. "
    "Every morning the fishermen went out in their boats before the sun came up. "
    "They sang old songs while they worked, and the children waited for them on the beach. "
    "In the evening everybody gathered in the square to share the catch of the day. "
    "It was a quiet and happy place, and nobody ever wanted to leave it."
)
TRANSFER_TARGET = "+15550199"
DIGITS_PROMPT = "Please type your account number, then press hash."
DIGITS_DONE = "Thank you. You typed {{ account }}."
FALLBACK = "Sorry, something went wrong. Let us try again."
BROKEN_MODEL = "broken-llm"

# What the caller says for each branch: phrases that espeak-ng renders and Whisper hears back.
ASK_BALANCE = "What is my account balance?"
ASK_AGENT = "I want to talk to an agent."
# Not a lone "Goodbye.": a word that short, clipped by the codec, is heard as something else.
ASK_BYE = "Thank you, goodbye."
ASK_ORDER = "Where is my order?"
ASK_STORY = "Tell me a story."
ASK_PAY = "I want to pay my bill."
ASK_HELP = "I need some advice."


def _node(node_id: str, kind: str, config: dict[str, Any], x: int = 0) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": kind,
        "position": {"x": x, "y": 0},
        "data": {"label": node_id, "config": config},
    }


def _edge(source: str, handle: str, target: str) -> dict[str, Any]:
    return {
        "id": f"{source}-{handle}-{target}",
        "source": source,
        "sourceHandle": handle,
        "target": target,
        "targetHandle": "in",
    }


TRANSFER_BUSY_BRANCH = "The line is busy. Would you like us to call you back?"


def warm_transfer_graph() -> dict[str, Any]:
    """The front desk, its transfer warm, and its busy outcome wired to a Say node."""
    graph = front_desk_graph()
    for node in graph["nodes"]:
        if node["id"] == "transfer":
            node["data"]["config"]["mode"] = "warm"
    graph["nodes"].append(_node("say_busy", "say", {"text": TRANSFER_BUSY_BRANCH}))
    graph["edges"].append(_edge("transfer", "busy", "say_busy"))
    return graph


def front_desk_graph(*, hold_seconds: float = 3.0) -> dict[str, Any]:
    """start → keyword classifier → say / transfer / hangup / hold."""
    intents = [
        {"name": "balance", "keywords": ["balance", "money", "account"]},
        {"name": "agent", "keywords": ["agent", "person", "human", "transfer"]},
        {"name": "bye", "keywords": ["goodbye", "bye"]},
        {"name": "hold", "keywords": ["order", "hold"]},
        {"name": "story", "keywords": ["story"]},
        {"name": "pay", "keywords": ["pay", "bill"]},
        {"name": "help", "keywords": ["advice", "help"]},
    ]
    nodes = [
        _node("start", "start", {"receiver": "phone_gateway", "greeting": GREETING}),
        _node("classify", "classifier", {"mode": "keywords", "intents": intents}),
        _node("say_balance", "say", {"text": BALANCE}),
        _node("say_story", "say", {"text": STORY}),
        _node("say_sorry", "say", {"text": NOT_UNDERSTOOD}),
        _node("transfer", "transfer", {"destination": TRANSFER_TARGET, "message": TRANSFER}),
        _node("hangup", "hangup", {"message": GOODBYE}),
        _node("hold", "hold", {"message": HOLD, "music": True, "seconds": hold_seconds}),
        _node("say_after_hold", "say", {"text": AFTER_HOLD}),
        _node(
            "collect",
            "collect_digits",
            {
                "prompt": DIGITS_PROMPT,
                "max_digits": 8,
                "terminator": "#",
                "timeout_s": 15,
                "variable": "account",
            },
        ),
        _node("say_digits", "say", {"text": DIGITS_DONE}),
        _node("advisor", "agent", {"mission": "Give short advice.", "model": BROKEN_MODEL}),
    ]
    edges = [
        _edge("start", "out", "classify"),
        _edge("classify", "intent:balance", "say_balance"),
        _edge("classify", "intent:agent", "transfer"),
        _edge("classify", "intent:bye", "hangup"),
        _edge("classify", "intent:hold", "hold"),
        _edge("classify", "intent:story", "say_story"),
        _edge("classify", "fallback", "say_sorry"),
        _edge("hold", "out", "say_after_hold"),
        _edge("classify", "intent:pay", "collect"),
        _edge("collect", "out", "say_digits"),
        _edge("classify", "intent:help", "advisor"),
    ]
    return {
        "schema_version": 2,
        "nodes": nodes,
        "edges": edges,
        "viewport": {"x": 0, "y": 0, "zoom": 1},
        "settings": {
            "fallback_line": FALLBACK,
            "iteration_limit": 3,
            "turn_timeout_s": 30.0,
        },
    }
