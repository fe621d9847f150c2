"""Chinese word segmentation for the knowledge base: jieba with an insurance user dictionary.

Loading jieba's dictionary takes about half a second to a second, so the tokenizer is built once
per process, on first use, under a lock (a web worker's threads may race to it). Articles are
segmented when saved (`index_tokens`) and queries the same way (`query_words`), so both sides
of a match were cut by the same dictionary.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jieba

_HERE = Path(__file__).resolve().parent
USER_DICT = _HERE / "insurance_terms.txt"
STOPWORDS_FILE = _HERE / "stopwords.txt"
SYNONYMS_FILE = _HERE / "synonyms.txt"

# A token may reach a tsquery only if it is made of word characters: nothing of tsquery's own
# syntax (& | ! : * ' ( ) <->) can slip through.
_WORD = re.compile(r"^\w+$")

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def tokenizer() -> jieba.Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                built = jieba.Tokenizer()
                built.initialize()
                built.load_userdict(str(USER_DICT))
                _tokenizer = built
    return _tokenizer


@cache
def stopwords() -> frozenset[str]:
    return frozenset(line.strip() for line in STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
                     if line.strip())


@cache
def synonyms() -> dict[str, str]:
    """Each other name of a concept -> its short name (synonyms.txt, first word of a line)."""
    mapping = {}
    for line in SYNONYMS_FILE.read_text(encoding="utf-8").splitlines():
        names = line.split("#", 1)[0].split()
        for other in names[1:]:
            mapping[other.lower()] = names[0].lower()
    return mapping


def canonical(word: str) -> str:
    return synonyms().get(word, word)


def other_names(word: str) -> list[str]:
    """Every name synonyms.txt gives the concept `word` is the short name of (none if it has none)."""
    return [other for other, short in synonyms().items() if short == word]


def _keep(token: str) -> bool:
    return bool(token) and bool(_WORD.match(token)) and token not in stopwords()


def index_tokens(text: str) -> str:
    """The space-joined tokens of `text` for to_tsvector('simple', ...): jieba's search mode, so
    a long word is indexed with its dictionary sub-words too (代位求偿 -> 代位, 求偿, 代位求偿)."""
    if not text:
        return ""
    tokens = []
    for token in (tok.strip().lower() for tok in tokenizer().cut_for_search(text)):
        if _keep(token):
            tokens.append(token)
            if canonical(token) != token:
                tokens.append(canonical(token))
    return " ".join(tokens)


@dataclass(frozen=True)
class QueryWord:
    """One word the searcher typed, with the shorter dictionary words inside it (if any)."""

    word: str
    parts: tuple[str, ...] = ()


def query_words(query: str, max_words: int = 12) -> list[QueryWord]:
    """The distinct content words of a query, in order, question words and particles dropped."""
    tk = tokenizer()
    words: list[QueryWord] = []
    seen: set[str] = set()
    for raw in tk.cut(query or ""):
        word = canonical(raw.strip().lower())
        if not _keep(word) or word in seen:
            continue
        seen.add(word)
        parts = tuple(dict.fromkeys(
            p for p in (s.lower() for s in tk.cut_for_search(word)) if p != word and len(p) >= 2 and _keep(p)))
        words.append(QueryWord(word, parts))
        if len(words) >= max_words:
            break
    return words
