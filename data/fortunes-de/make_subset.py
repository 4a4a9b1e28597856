#!/usr/bin/env python3
"""Builds fortunes-de-6.tsv from the Debian package fortunes-de 0.35-1 (GPL-2+).

    apt-get install fortunes-de      # or: apt-get download fortunes-de && dpkg -x fortunes-de_*.deb x
    python3 make_subset.py /usr/share/games/fortunes/de > fortunes-de-6.tsv

German fortune cookies labeled by the file they come from: six of the largest collections (zitate
quotations, witze jokes, unfug nonsense, fussball football, woerterbuch a satirical dictionary,
regeln rules of life), up to 300 each drawn with a fixed seed. The text is the cookie with its
whitespace collapsed; cookies over 600 characters, empty ones and repeats are dropped.
"""
import random
import re
import sys

FILES = ["zitate", "witze", "unfug", "fussball", "woerterbuch", "regeln"]
PER_FILE = 300
LIMIT = 600

rng = random.Random(15)
seen = set()
out = []
for name in FILES:
    with open(sys.argv[1] + "/" + name + ".u8", encoding="utf-8") as f:
        cookies = f.read().split("\n%\n")
    pool = []
    for cookie in cookies:
        text = re.sub(r"\s+", " ", cookie.replace("\t", " ")).strip().strip("%").strip()
        if text and len(text) <= LIMIT and text not in seen:
            seen.add(text)
            pool.append(text)
    for text in rng.sample(pool, min(PER_FILE, len(pool))):
        out.append(name + "\t" + text)
rng.shuffle(out)
sys.stdout.write("\n".join(out) + "\n")
