"""'Mentions' judged by a language model: does what the agent said convey the topic?"""

from __future__ import annotations

from pipelines.engine import ProviderRegistry
from pipelines.flow_tests.expectations import MentionJudge
from voice_models.llm.types import ChatMessage

_SYSTEM = (
    "You check what a phone agent said. Answer with one word: yes if the agent's words "
    "mention or clearly convey the topic, no otherwise."
)


def mention_judge(providers: ProviderRegistry, model: str = "") -> MentionJudge:
    async def judge(said: str, topic: str) -> bool:
        if not said.strip():
            return False
        messages = [
            ChatMessage("system", _SYSTEM),
            ChatMessage("user", f"The agent said: {said!r}\nTopic: {topic}\nMentioned?"),
        ]
        answer = []
        async for delta in providers.llm(model).stream(messages, temperature=0.0, max_tokens=5):
            answer.append(delta.text)
        return "".join(answer).strip().casefold().startswith("yes")

    return judge
