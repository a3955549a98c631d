"""LLM clients: one streaming protocol, OpenAI(-compatible) and Anthropic implementations."""

from voice_models.llm.anthropic_messages import AnthropicClient
from voice_models.llm.openai_chat import OpenAIChatClient
from voice_models.llm.types import (
    ChatMessage,
    LLMClient,
    LLMDelta,
    LLMError,
    ToolCall,
    ToolSpec,
    Usage,
)

__all__ = [
    "AnthropicClient",
    "ChatMessage",
    "LLMClient",
    "LLMDelta",
    "LLMError",
    "OpenAIChatClient",
    "ToolCall",
    "ToolSpec",
    "Usage",
]
