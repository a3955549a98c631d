"""Sentence chunking of streamed text."""

from __future__ import annotations

from pipelines.turn.chunker import SentenceChunker, split_sentences


def feed_all(pieces: list[str]) -> list[list[str]]:
    chunker = SentenceChunker()
    out = [list(chunker.feed(piece)) for piece in pieces]
    out.append([chunker.flush()])
    return out


def test_a_sentence_is_cut_as_soon_as_its_end_arrives() -> None:
    assert feed_all(["Hel", "lo there", ".", " How are", " you?", " Fine"]) == [
        [],
        [],
        ["Hello there."],
        [],
        ["How are you?"],
        [],
        ["Fine"],
    ]


def test_decimals_are_not_sentence_ends() -> None:
    assert split_sentences("It costs 3.50 dollars. Thanks!") == [
        "It costs 3.50 dollars.",
        "Thanks!",
    ]
    assert feed_all(["It is 3", ".", "5 km. Ok"]) == [[], [], ["It is 3.5 km."], ["Ok"]]


def test_abbreviations_and_initials_are_not_sentence_ends() -> None:
    assert split_sentences("Dr. Smith sees you at 5 p.m. today. Bye.") == [
        "Dr. Smith sees you at 5 p.m. today.",
        "Bye.",
    ]


def test_runs_of_punctuation_and_closing_quotes_stay_together() -> None:
    assert split_sentences('Really?! He said "yes." Then left...') == [
        "Really?!",
        'He said "yes."',
        "Then left...",
    ]


def test_long_text_without_an_end_is_cut_at_a_soft_break() -> None:
    words = "word, " * 60
    chunks = list(SentenceChunker().feed(words))
    assert chunks
    assert all(len(chunk) <= 220 for chunk in chunks)


def test_flush_returns_the_rest_once() -> None:
    chunker = SentenceChunker()
    list(chunker.feed("no end yet"))
    assert chunker.flush() == "no end yet"
    assert chunker.flush() == ""
