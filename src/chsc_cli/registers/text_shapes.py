"""Short texts grouped by their shape, and the numbers their digits write, with numpy (bulk_values' dates).

A text's shape is the text with every ASCII digit written `0` and every character that no pattern
names written `\\0`: `2025-03-12` and `1999-12-31` share the shape `0000-00-00`. A regex that names
digits only as a class ([0-9]) matches every text of a shape or none of them, and its groups sit
at the same places in each: so the regexes run once per distinct shape (an export's date column of
20,000 distinct texts has ~45 shapes), and the digits of each group are read for all the texts of a
shape at once, as one matrix product over their code points (one for all the shapes whose digits
sit at the same places: 2025-03-12, 2025/03/12 and 2025.03.12).

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


#: Products of (rows x places x names) below which OpenBLAS multiplies in this thread (its
#: threshold is 4 x 65,536): a larger one starts its threads. With the texts of several shapes in
#: one product, the export centre's date columns took 0.30 s of CPU that way against 0.04 s in
#: products kept below it (a busy 2-core machine; the same inputs).
_BLAS_ONE_THREAD = 200_000


@dataclass(frozen=True)
class Shapes:
    """A list of texts: their code points and each one's shape."""

    codes: np.ndarray  # (texts, width) uint32: each text's code points, 0 past its end
    shape_of: np.ndarray  # (texts,) index into `shapes`; -1 for a text without one (too long, a hash collision)
    shapes: list[str]  # each shape as a text


def _grouped(group_of: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(the positions sorted by their group, 0 <= group < groups; where each group starts in
    them, and where the last ends: group g's are order[starts[g]:starts[g + 1]])."""
    # a stable sort of 16-bit numbers is a radix sort (one pass): the groups of a column are few
    order = np.argsort(group_of.astype(np.int16) if groups < 2**15 else group_of, kind="stable")
    return order, np.concatenate(([0], np.cumsum(np.bincount(group_of, minlength=groups))))


def shapes_of(texts: list[str] | np.ndarray) -> Shapes:
    """The shapes and code points of texts (a list, or an object array of str)."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    width = int(min(lengths.max(initial=1), MAX_WIDTH)) or 1
    # fixed width, 0 after each text's end (a longer text is cut short here, and gets no shape);
    # a text's own NUL is a 0 too: the length, part of the shape, tells them apart
    codes = np.array(texts, dtype=f"U{width}").view(np.uint32).reshape(len(texts), width)
    classes = np.zeros((len(texts), MAX_WIDTH), dtype=np.uint8)
    # every code point is below 0x110000 (clip never applies; with it, `out` is written directly)
    np.take(_CLASSES, codes, out=classes[:, :width], mode="clip")
    words = classes.view(np.uint64)
    hashes = words[:, 0] * _MULTIPLIERS[0] + words[:, 1] * _MULTIPLIERS[1] + words[:, 2] * _MULTIPLIERS[2]
    hashes += lengths.astype(np.uint64) * _MULTIPLIERS[3]
    shape_of, distinct = pd.factorize(hashes)
    # the first text of each shape: factorize numbers shapes as they first appear
    first = np.flatnonzero(np.concatenate(([True], shape_of[1:] > np.maximum.accumulate(shape_of)[:-1]))[: len(texts)])
    of_first = first[shape_of]
    same = (lengths == lengths[of_first]) & (lengths <= MAX_WIDTH)
    for word in range(-(-width // 8)):  # the words past the widest text are 0 in every text
        same &= words[:, word] == words[of_first, word]
    shape_of = np.where(same, shape_of, -1)
    shapes = [
        classes[index, : lengths[index]].tobytes().decode("latin-1").translate(_CLASS_TEXT) for index in first.tolist()
    ]
    return Shapes(codes, shape_of, shapes)


@lru_cache(maxsize=4096)
def _plan(patterns: tuple[re.Pattern, ...], names: tuple[str, ...], shape: str) -> tuple[int, np.ndarray, tuple]:
    """(the first of `patterns` that matches `shape` in full, -1 for none; the weights that turn a
    text's digit values into each of `names`' numbers, (MAX_WIDTH, names): 10**k at a group's
    places, 0 elsewhere; a key equal for the shapes read alike: 2025-3-12 and 2025/3/12)."""
    weights = np.zeros((MAX_WIDTH, len(names)))
    for which, pattern in enumerate(patterns):
        match = pattern.fullmatch(shape)
        if match is None:
            continue
        for column, name in enumerate(names):
            if name in pattern.groupindex and match.start(name) >= 0:
                start, end = match.span(name)
                weights[start:end, column] = 10.0 ** np.arange(end - start - 1, -1, -1)
        return which, weights, (which, weights.tobytes())
    return -1, weights, (-1,)


def sorted_numbers(shapes: Shapes, patterns: tuple[re.Pattern, ...]) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(the texts' positions grouped by how their shapes are read; for the texts in that order,
    the first of `patterns` that each one's shape matches in full, -1 for none, and the whole
    number each named group of the patterns holds in it, 0 where it took no part). The caller
    reads on in that order and puts its results back in place once.

    A pattern may name digits only as a class ([0-9], never a literal digit or \\d): every digit
    of a text is `0` in its shape. Groups of up to 15 digits are read exactly."""
    names = tuple(dict.fromkeys(name for pattern in patterns for name in pattern.groupindex))
    # shapes read alike (the same pattern, digits at the same places) share one matrix product
    readings: dict[tuple, int] = {(-1,): 0}
    plans = [(-1, None)]
    reading_of = np.zeros(len(shapes.shapes) + 1, dtype=np.int64)  # the last: texts without a shape (-1)
    for shape, text in enumerate(shapes.shapes):
        pattern, weights, key = _plan(patterns, names, text)
        if key not in readings:
            readings[key] = len(plans)
            plans.append((pattern, weights))
        reading_of[shape] = readings[key]
    reading = reading_of[shapes.shape_of]
    order, bounds = _grouped(reading, len(plans))
    which = np.array([pattern for pattern, _ in plans])[reading[order]]
    numbers = np.zeros((len(order), len(names)))
    width = shapes.codes.shape[1]
    # the texts in that order (each reading's texts one slice), each place's code point less that
    # of `0`: a digit's value (the other places weigh 0)
    digits = np.subtract(np.take(shapes.codes, order, axis=0), ord("0"), dtype=np.float64)
    block = max(1, _BLAS_ONE_THREAD // (width * len(names)))
    for index, (pattern, weights) in enumerate(plans):
        if pattern >= 0:
            for start in range(bounds[index], bounds[index + 1], block):
                stop = min(start + block, bounds[index + 1])
                np.matmul(digits[start:stop], weights[:width], out=numbers[start:stop])
    whole = numbers.astype(np.int64)
    return order, which, {name: whole[:, column] for column, name in enumerate(names)}
