#!/usr/bin/env python3
"""Builds tang-poets-8.tsv from the npm package chinese-poetry@2.0.1 (MIT).

    npm pack chinese-poetry@2.0.1 && tar xzf chinese-poetry-2.0.1.tgz
    python3 make_subset.py package/dist/quantangshi > tang-poets-8.tsv

Eight of the most prolific Tang poets (authors '不詳', '無名氏' and the formulaic '易靜' left out),
250 poems each, drawn with a fixed seed from their poems in file order; the text is the poem's lines
joined as they are (with their punctuation), one 'label<TAB>text' line per poem, poems whose text
repeats or has no Han character dropped.
"""
import glob
import json
import random
import sys

POETS = ["白居易", "杜甫", "李白", "元稹", "劉禹錫", "齊己", "貫休", "李商隱"]
PER_POET = 250

def key(path):
    return int(path.rsplit(".", 2)[-2])

poems = {p: [] for p in POETS}
seen = set()
for path in sorted(glob.glob(sys.argv[1] + "/poet.tang.*.json"), key=key):
    with open(path, encoding="utf-8") as f:
        for poem in json.load(f):
            text = "".join(poem["paragraphs"]).replace("\t", " ").replace("\n", " ").strip()
            has_han = any("\u3400" <= ch <= "\u9fff" for ch in text)
            if poem["author"] in poems and has_han and text not in seen:
                seen.add(text)
                poems[poem["author"]].append(text)
rng = random.Random(15)
out = []
for poet in POETS:
    for text in rng.sample(poems[poet], PER_POET):
        out.append(poet + "\t" + text)
rng.shuffle(out)
sys.stdout.write("\n".join(out) + "\n")
