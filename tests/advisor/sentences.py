"""Check that advice never states a comparison its own numbers contradict.

Parses the sentences the advisor writes (the path and the headline) for the
comparisons they make and checks each against the times they quote:
- "A 1.2 s beat ... B 1.5 s": A is faster;
- "N.Nx faster than sequential (measured a vs measured b)": N.N is b/a, b > a;
- "A t1 ... and ... B t2 ... are within noise of each other (up to m apart": |t1-t2| <= m.
"""

from __future__ import annotations

import re

TIME = r"(\d+(?:\.\d+)?) (ms|s)"
LABEL = r"([A-Za-z]+Runner(?:\(\d+\))?)"


def seconds(value: str, unit: str) -> float:
    return float(value) / (1000.0 if unit == "ms" else 1.0)


def contradictions(sentences: list[str]) -> list[str]:
    """The sentences whose comparisons their own numbers contradict (empty: all true)."""
    wrong = []
    for sentence in sentences:
        for m in re.finditer(
            rf"{LABEL} {TIME}(?: \(spread [^)]*\))? beat [^;]*?{LABEL} {TIME}", sentence
        ):
            if seconds(m[2], m[3]) >= seconds(m[5], m[6]):
                wrong.append(f"'beat' with a slower time: {sentence}")
        for m in re.finditer(
            rf"(\d+\.\d)x faster than sequential \((?:measured|predicted) {TIME} vs "
            rf"(?:measured|predicted) {TIME}\)",
            sentence,
        ):
            mine, base = seconds(m[2], m[3]), seconds(m[4], m[5])
            if not mine < base or abs(float(m[1]) - base / mine) > 0.06 * base / mine + 0.051:
                wrong.append(f"speedup not what the times say: {sentence}")
        for m in re.finditer(
            rf"{LABEL} {TIME}[^;]*?{LABEL} {TIME}[^;]*?are within noise of each other "
            rf"\(up to {TIME} apart",
            sentence,
        ):
            gap = abs(seconds(m[2], m[3]) - seconds(m[5], m[6]))
            # quoted times are rounded to 3 significant figures: allow that much
            slack = 0.006 * max(seconds(m[2], m[3]), seconds(m[5], m[6]))
            if gap > seconds(m[7], m[8]) + slack:
                wrong.append(f"'within noise' farther apart than the margin: {sentence}")
    return wrong
