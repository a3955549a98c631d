"""Cut streamed LLM text into sentences, so the first one reaches TTS while the rest streams.

A sentence ends at ``.``, ``!``, ``?`` (and their CJK forms, ``…``) followed by whitespace or
at the very end of what has arrived so far: waiting for the next token would add one token of
latency to every first sentence. Decimals ("3.5") and common abbreviations ("Dr.") are not ends.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator

# Also the ideographic full stop and the fullwidth exclamation and question marks.
_TERMINATORS = ".!?…\u3002\uff01\uff1f"
_CLOSERS = "\"')\u201d\u2019"
_WORD_CHARS = frozenset(string.ascii_letters + ".")
_TERMINATOR_RUN = re.compile(f"[{re.escape(_TERMINATORS)}]+")
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "st", "sr", "jr", "vs", "etc", "eg", "ie", "no", "approx", "prof"}
)
# Past this without a sentence end, cut at a comma or space so TTS is never starved.
_MAX_CHUNK_CHARS = 220
_SOFT_BREAK = re.compile(r"[,;:]\s|\s")


def _is_sentence_end(text: str, index: int) -> bool:
    """Whether the terminator at ``index`` ends a sentence, judged from what precedes it."""
    if text[index] != ".":
        return True
    if index == 0:
        return False
    previous = text[index - 1]
    if previous.isdigit():
        # "3." could be "3.5"; only whitespace after it settles that it is an end.
        return index + 1 < len(text) and text[index + 1].isspace()
    # The word before the dot, scanned backwards (a regex anchored at the end would rescan
    # the whole text from every position).
    begin = index
    while begin > 0 and text[begin - 1] in _WORD_CHARS:
        begin -= 1
    raw = text[begin:index]
    if raw:
        token = raw.replace(".", "").lower()
        # "Dr.", "e.g.", "p.m.", a lone initial: abbreviations, not ends.
        if token in _ABBREVIATIONS or len(token) == 1 or "." in raw:
            return False
    return True


class SentenceChunker:
    """Feed text deltas, get whole sentences; ``flush()`` returns what is left at the end."""

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, delta: str) -> Iterator[str]:
        text = self._buffer + delta
        length = len(text)
        start = 0
        # Rescan the buffer's last character: a "." held back ("3.") may now be decidable.
        for match in _TERMINATOR_RUN.finditer(text, max(0, len(self._buffer) - 1)):
            end = match.end()
            if end < length and not (text[end].isspace() or text[end] in _CLOSERS):
                continue
            if not _is_sentence_end(text, end - 1):
                continue
            while end < length and text[end] in _CLOSERS:
                end += 1
            sentence = text[start:end].strip()
            if sentence:
                yield sentence
            start = end
        rest = text[start:]
        if len(rest) > _MAX_CHUNK_CHARS:
            cut = _last_soft_break(rest)
            if cut > 0:
                yield rest[:cut].strip()
                rest = rest[cut:]
        self._buffer = rest

    def flush(self) -> str:
        rest, self._buffer = self._buffer.strip(), ""
        return rest


def _last_soft_break(text: str) -> int:
    cut = -1
    for match in _SOFT_BREAK.finditer(text, 0, _MAX_CHUNK_CHARS):
        cut = match.end()
    return cut


# A terminator followed by whitespace before the end: the only way a text holds two sentences.
_INNER_END = re.compile(f"[{re.escape(_TERMINATORS)}][{re.escape(_CLOSERS)}]*\\s+\\S")


def split_sentences(text: str) -> list[str]:
    """A whole text cut the same way (for Say nodes and fallback lines)."""
    if _INNER_END.search(text) is None:
        # One sentence (the usual templated line): skip the chunker.
        stripped = text.strip()
        return [stripped] if stripped else []
    chunker = SentenceChunker()
    sentences = list(chunker.feed(text))
    rest = chunker.flush()
    if rest:
        sentences.append(rest)
    return sentences
