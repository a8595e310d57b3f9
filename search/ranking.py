"""How much each kind of match counts, shared by both backends so they rank alike.

Keyword matches (a person's whole name, surname + given name, an ID, a document number) either
match or not: they add a constant score, the same on Tantivy and Elasticsearch (whose fuzzy
queries would otherwise score differently). Phrase and word matches are BM25 scores multiplied by a
boost: rare words count more. The numbers were tuned on the search-quality set of bench/search.py.
"""

from __future__ import annotations

# constant scores
NAME_KEY = 30.0  # the query is a person's full name (folded)
NAME_KEY_FUZZY = 20.0  # ... with one typo
NAME_SPAN = 8.0  # per word: a person's full name among other words ("Trần Thị Thúy Ninh Bình")
NAME_ENDS = 20.0  # surname + given name: what two words most often mean
NAME_ENDS_EXACT = 6.0  # ... with the diacritics as typed
NAME_ENDS_FUZZY = 8.0  # ... with one typo
SUBJECT_ALL_WORDS = 10.0  # every word in the name of the person the record is about (typos allowed)
ID = 50.0
DOC_KEY = 50.0

# BM25 multipliers
NAMES_EXACT_PHRASE = 8.0  # the words in a name, in order, with the diacritics as typed
NAMES_PHRASE = 4.0  # ... folded
NAMES_LOOSE = 2.0  # ... with up to two middle names skipped
SUBJECT_LOOSE = 3.0  # ... in the subject's name: the subject outranks a parent of the same name
EXACT_WORD = 1.0  # each word with its diacritics as typed
