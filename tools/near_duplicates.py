"""Material for validating novelty on real data: lightly reworded copies of real works.

A copy keeps the title and abstract of its original with the sentence order shuffled
and a few pairs of neighbouring words swapped — the kind of change that leaves the
content the same. Dated after its original, a copy should come out among the least
novel works of its cohort (``bench/novelty_validation.py`` measures how often it does).
Everything is seeded: the same original and seed give the same copy.

A development tool, not part of the installed package (``tests/test_tools.py`` runs the
examples below); ``bench/novelty_validation.py`` imports it from ``tools/``.
"""

from __future__ import annotations

import random
import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def sentences(text: str) -> list[str]:
    """Split at a sentence end followed by a capital or digit.

    >>> sentences("We propose X. It works well! 3 datasets show it.")
    ['We propose X.', 'It works well!', '3 datasets show it.']
    """
    return [part for part in _SENTENCE_END.split(text.strip()) if part]


def swap_words(sentence: str, swaps: int, rng: random.Random) -> str:
    """Swap ``swaps`` random pairs of neighbouring words (fewer in short sentences).

    >>> swap_words("one two three four", 1, random.Random(3))
    'two one three four'
    """
    words = sentence.split()
    for _ in range(min(swaps, max(0, len(words) - 1))):
        at = rng.randrange(len(words) - 1)
        words[at], words[at + 1] = words[at + 1], words[at]
    return " ".join(words)


def reworded(abstract: str, seed: int, swaps: int = 3) -> str:
    """The abstract with its sentences in another order and ``swaps`` word pairs swapped
    (spread over random sentences).

    >>> reworded("A is new. B is old. C is fine.", seed=1)
    'B is old. is C fine. A is new.'
    """
    rng = random.Random(seed)
    parts = sentences(abstract)
    order = list(range(len(parts)))
    if len(parts) > 1:
        while order == sorted(order):
            rng.shuffle(order)
    shuffled = [parts[i] for i in order]
    for _ in range(swaps):
        at = rng.randrange(len(shuffled))
        shuffled[at] = swap_words(shuffled[at], 1, rng)
    return " ".join(shuffled)
