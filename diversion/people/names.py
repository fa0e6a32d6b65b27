"""Name keys for forgiving person matching: a plain form and a sound-alike form."""

import re
import unicodedata

import jellyfish


def normalise_name(value: str) -> str:
    """Lower case, without accents or punctuation, single-spaced ("O'Brien" -> "obrien")."""
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^a-z\s]", "", text)
    return " ".join(text.split())


def sound_key(value: str) -> str:
    """Metaphone of each word, so "Jon Smyth" and "John Smith" share keys."""
    return " ".join(jellyfish.metaphone(word) for word in normalise_name(value).split())
