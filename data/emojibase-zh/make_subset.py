#!/usr/bin/env python3
"""Builds emoji-groups-zh.tsv from the npm package emojibase-data@17.0.0 (MIT).

    npm pack emojibase-data@17.0.0 && tar xzf emojibase-data-17.0.0.tgz
    python3 make_subset.py package/zh/data.json > emoji-groups-zh.tsv

Each emoji's Simplified Chinese name (its CLDR annotation, e.g. 书呆子脸) labeled by its emoji
group: smileys-emotion, people-body, animals-nature, food-drink, travel-places, activities,
objects, symbols. The groups 'component' (skin tones, hair) and 'flags' (every name is 旗: plus a
country) are left out, as are emojis without a group and skin-tone variants (which the file nests
under their base emoji). Names that repeat are dropped. One 'group<TAB>name' line per emoji, in a
fixed shuffled order (seed 17).
"""
import json
import random
import sys

GROUPS = {
    0: "smileys-emotion",
    1: "people-body",
    3: "animals-nature",
    4: "food-drink",
    5: "travel-places",
    6: "activities",
    7: "objects",
    8: "symbols",
}

with open(sys.argv[1], encoding="utf-8") as f:
    emojis = json.load(f)
seen = set()
out = []
for e in emojis:
    group = e.get("group")
    name = e["label"].replace("\t", " ").strip()
    if group in GROUPS and name and name not in seen:
        seen.add(name)
        out.append(GROUPS[group] + "\t" + name)
random.Random(17).shuffle(out)
sys.stdout.write("\n".join(out) + "\n")
