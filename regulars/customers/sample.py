"""Realistic-looking sample customers for the demo and the sample-customers job."""

from __future__ import annotations

import random
import unicodedata

FIRST = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Ava",
    "Elijah",
    "Sophia",
    "Lucas",
    "Mia",
    "Mateo",
    "Zoë",
    "Søren",
    "Łukasz",
    "Aisha",
    "Chen",
    "Priya",
    "José",
    "Fatima",
    "Hiroshi",
    "Ingrid",
    "Kwame",
    "Lucía",
    "Mei",
    "Nikolai",
    "Ana",
    "Jon",
]
LAST = [
    "Smith",
    "Johnson",
    "Nguyen",
    "García",
    "Müller",
    "Kowalski",
    "Ng",
    "Li",
    "O'Brien",
    "Goldsmith",
    "Smithers",
    "Rossi",
    "Dubois",
    "Andersson",
    "Okafor",
    "Tanaka",
    "Silva",
    "Patel",
    "Cohen",
    "Jansen",
    "Novak",
    "Horvath",
    "Murphy",
    "Kim",
]
DOMAINS = ["example.com", "example.org", "example.net"]
_ASCII = str.maketrans({"ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "đ": "d"})


def sample_person(rng: random.Random, n: int, tag: str) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = f"{first}.{last}".lower().replace("'", "").translate(_ASCII)
    local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode() or "customer"
    return {
        "first_name": first,
        "last_name": last,
        "email": f"{local}.{tag}{n}@{rng.choice(DOMAINS)}",
    }
