"""Short texts grouped by their shape, and the numbers their digits write, with numpy (bulk_values' dates).

A text's shape is the text with every ASCII digit written `0` and every character that no pattern
names written `\\0`: `2025-03-12` and `1999-12-31` share the shape `0000-00-00`. A regex that names
digits only as a class ([0-9]) matches every text of a shape or none of them, and its groups sit
at the same places in each: so the regexes run once per distinct shape (an export's date column of
20,000 distinct texts has ~45 shapes), and the digits of each group are read for all the texts of a
shape at once, as one matrix product over their code points.

Shapes are told apart by a 64-bit hash of each text's character classes and length; every text is
then compared with its shape's first text, so that a hash collision can only leave texts without a
shape (to the scalar parser), never give them a wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

#: Texts longer than this get no shape (left to the scalar parser).
MAX_WIDTH = 24
#: The characters a shape keeps as they are: the only ones a pattern may name besides digits
#: (another one would never match).
SIGNIFICANT = "-/.:T 年月日时分秒"
#: Each character's class: 0 for one that is not SIGNIFICANT, 1 for an ASCII digit, then SIGNIFICANT's.
_CLASSES = np.zeros(0x110000, dtype=np.uint8)
_CLASSES[ord("0") : ord("9") + 1] = 1
_CLASSES[[ord(character) for character in SIGNIFICANT]] = np.arange(2, 2 + len(SIGNIFICANT))
#: A class (as a latin-1 character) -> the character standing for it in a shape.
_CLASS_TEXT = str.maketrans({chr(0): "\0", chr(1): "0", **{chr(2 + i): c for i, c in enumerate(SIGNIFICANT)}})
#: Odd 64-bit multipliers for the shape hash: the three words of a text's classes, and its length.
_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5], dtype=np.uint64)


@dataclass(frozen=True)
class Shapes:
    """A list of texts: their code points, each one's shape, and the texts sorted by shape."""

    codes: np.ndarray  # (texts, width) uint32: each text's code points, 0 past its end
    shape_of: np.ndarray  # (texts,) index into `shapes`; -1 for a text without one (too long, a hash collision)
    shapes: list[str]  # each shape as a text
    order: np.ndarray  # the texts with a shape, sorted by it: shape k's are order[bounds[k]:bounds[k + 1]]
    bounds: np.ndarray


def shapes_of(texts: list[str]) -> Shapes:
    """The texts' shapes and code points."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    width = int(min(lengths.max(initial=1), MAX_WIDTH)) or 1
    # fixed width, 0 after each text's end (a longer text is cut short here, and gets no shape);
    # a text's own NUL is a 0 too: the length, part of the shape, tells them apart
    codes = np.array(texts, dtype=f"U{width}").view(np.uint32).reshape(len(texts), width)
    classes = np.zeros((len(texts), MAX_WIDTH), dtype=np.uint8)
    classes[:, :width] = _CLASSES[codes]
    words = classes.view(np.uint64)
    hashes = words[:, 0] * _MULTIPLIERS[0] + words[:, 1] * _MULTIPLIERS[1] + words[:, 2] * _MULTIPLIERS[2]
    hashes += lengths.astype(np.uint64) * _MULTIPLIERS[3]
    shape_of, distinct = pd.factorize(hashes)
    # the first text of each shape: factorize numbers shapes as they first appear
    first = np.flatnonzero(np.concatenate(([True], shape_of[1:] > np.maximum.accumulate(shape_of)[:-1]))[: len(texts)])
    of_first = first[shape_of]
    same = (words == words[of_first]).all(axis=1) & (lengths == lengths[of_first]) & (lengths <= MAX_WIDTH)
    shape_of = np.where(same, shape_of, -1)
    shapes = [
        classes[index, : lengths[index]].tobytes().decode("latin-1").translate(_CLASS_TEXT) for index in first.tolist()
    ]
    # a stable sort of 16-bit numbers is a radix sort (one pass): the shapes of a column are few
    order = np.argsort(shape_of.astype(np.int16) if len(distinct) < 2**15 else shape_of, kind="stable")
    counts = np.bincount(shape_of + 1, minlength=len(distinct) + 1)  # the texts without a shape first
    return Shapes(codes, shape_of, shapes, order, np.cumsum(counts))


@lru_cache(maxsize=4096)
def _plan(patterns: tuple[re.Pattern, ...], names: tuple[str, ...], shape: str) -> tuple[int, np.ndarray, np.ndarray]:
    """(the first of `patterns` that matches `shape` in full, -1 for none; the weights that turn a
    text's code points into each of `names`' numbers, (MAX_WIDTH, names): 10**k at a group's
    places, 0 elsewhere; what the code point of `0` adds to each number, to be taken off)."""
    weights = np.zeros((MAX_WIDTH, len(names)))
    for which, pattern in enumerate(patterns):
        match = pattern.fullmatch(shape)
        if match is None:
            continue
        for column, name in enumerate(names):
            if name in pattern.groupindex and match.start(name) >= 0:
                start, end = match.span(name)
                weights[start:end, column] = 10.0 ** np.arange(end - start - 1, -1, -1)
        return which, weights, ord("0") * weights.sum(axis=0)
    return -1, weights, weights[0]


def numbers_by_shape(shapes: Shapes, patterns: tuple[re.Pattern, ...]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(for each text, the first of `patterns` that its shape matches in full, -1 for none; the
    whole number each named group of the patterns holds in each text, 0 where it took no part).

    A pattern may name digits only as a class ([0-9], never a literal digit or \\d): every digit
    of a text is `0` in its shape."""
    names = tuple(dict.fromkeys(name for pattern in patterns for name in pattern.groupindex))
    which = np.full(len(shapes.shape_of), -1, dtype=np.int64)
    numbers = np.zeros((len(shapes.shape_of), len(names)))
    width = shapes.codes.shape[1]
    # the texts in the order of their shapes: a shape's texts are one slice
    codes = shapes.codes[shapes.order].astype(np.float64)
    for shape, text in enumerate(shapes.shapes):
        pattern, weights, zeros = _plan(patterns, names, text)
        if pattern < 0:
            continue
        start, stop = shapes.bounds[shape], shapes.bounds[shape + 1]
        which[start:stop] = pattern
        # a digit is its code point less that of `0`; other places weigh 0
        numbers[start:stop] = codes[start:stop] @ weights[:width] - zeros
    unsorted_which = np.empty_like(which)
    unsorted_which[shapes.order] = which
    whole = np.empty(numbers.shape, dtype=np.int64)
    whole[shapes.order] = numbers
    return unsorted_which, {name: whole[:, column] for column, name in enumerate(names)}
